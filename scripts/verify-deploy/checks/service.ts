import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { CheckFailure } from '../../../test/smoke/report';

/*
 * The checkout service on ECS: its deployment finished and every container of its running tasks
 * (the service and the CloudWatch agent sidecar) runs, with the image digest it pulled: the agent
 * image's tag or digest exists and starts (docs/first-deploy.md, "The CloudWatch agent image").
 */
export async function checkServiceRunning(ecs: ECSClient, cluster: string, service: string): Promise<string> {
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const s = services[0];
  if (!s) throw new CheckFailure(`ECS service ${service} not found in ${cluster}`);
  const problems: string[] = [];
  if (!(s.runningCount && s.runningCount >= 1))
    problems.push(`${s.runningCount ?? 0} running tasks of ${s.desiredCount}`);
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState && primary.rolloutState !== 'COMPLETED')
    problems.push(
      `deployment ${primary.rolloutState}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}`,
    );
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }),
  );
  const containers: string[] = [];
  if (taskArns.length) {
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 100) }));
    for (const task of tasks)
      for (const c of task.containers ?? []) {
        if (c.lastStatus !== 'RUNNING')
          problems.push(`container ${c.name} is ${c.lastStatus}${c.reason ? `: ${c.reason}` : ''}`);
        containers.push(`${c.name} ${c.imageDigest?.slice(0, 19) ?? '(no digest)'}`);
      }
  }
  const stopped = (s.events ?? []).slice(0, 3).find((e) => /unable|failed|CannotPull/i.test(e.message ?? ''));
  if (problems.length)
    throw new CheckFailure(`${problems.join('; ')}${stopped ? `; latest event: ${stopped.message}` : ''}`);
  return `${s.runningCount}/${s.desiredCount} tasks running; containers ${[...new Set(containers)].join(', ')}`;
}
