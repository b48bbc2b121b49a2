import { synthesize } from '../test/helpers/synth';
for (const name of ['sandbox', 'prod'] as const) {
  const s = synthesize(name);
  let alarms = 0, metrics = 0, dashboards = 0, widgetsMetrics = 0;
  for (const stack of Object.values(s.stacks)) {
    if (!stack) continue;
    const t = s.template(stack as any).toJSON();
    for (const r of Object.values<any>(t.Resources)) {
      if (r.Type === 'AWS::CloudWatch::Alarm') {
        alarms++;
        metrics += r.Properties.Metrics ? r.Properties.Metrics.filter((m: any) => m.MetricStat).length : 1;
      }
      if (r.Type === 'AWS::CloudWatch::Dashboard') {
        dashboards++;
        widgetsMetrics += (JSON.stringify(r.Properties.DashboardBody).match(/\\"metrics\\"/g) ?? []).length;
      }
    }
  }
  console.log(name, { alarms, metrics, dashboards, widgetsMetrics });
}
