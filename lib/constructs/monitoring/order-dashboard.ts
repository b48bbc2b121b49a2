import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Observable } from '../ops-alarms';

/** The flows of an order, in the order it meets them; every one has a section on the dashboard. */
export const DASHBOARD_FLOWS = [
  'edge',
  'api',
  'service',
  'intake',
  'workflow',
  'steps',
  'fan-out',
  'routing',
  'clickstream',
  'data',
] as const;
export type DashboardFlow = (typeof DASHBOARD_FLOWS)[number];

export interface DashboardSection {
  readonly flow: DashboardFlow;
  /** The section's heading. */
  readonly title: string;
  /** One line: what this part of the path does for an order. */
  readonly description: string;
  /** The widgets the flow hands out (its alarms go to the alarm status widget). */
  readonly observable: Observable;
}

export interface OrderDashboardProps {
  readonly dashboardName: string;
  /** Shown at the top. */
  readonly title: string;
  /** The business row: what happened to orders, before how the parts behaved. */
  readonly business: cloudwatch.IWidget[];
  /** In the order an order passes them. */
  readonly sections: DashboardSection[];
  /** Alarms outside the order's path the status widget shows too (the audit trail's security alarms). */
  readonly otherAlarms?: cloudwatch.IAlarm[];
}

/** Text widgets that head a section carry this marker, so tests and readers can find each flow. */
export const SECTION_MARKER = (flow: DashboardFlow) => `<!-- flow:${flow} -->`;

/**
 * ONE dashboard that follows an order: every alarm's state first, then the business metrics, then
 * a section per flow (edge → API → service → intake → workflow → steps → fan-out → routing →
 * clickstream → data)
 * built only from the widgets the flows hand out. Rows are laid out by CloudWatch's 24-column grid.
 */
export class OrderDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm the status widget shows: the sections' own, then the other alarms. */
  readonly alarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: OrderDashboardProps) {
    super(scope, id);
    this.alarms = [...props.sections.flatMap((s) => s.observable.alarms), ...(props.otherAlarms ?? [])];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${props.title}\nEvery alarm notifies the ops topic and names its runbook (\`docs/runbooks/\`). Sections follow an order: ${props.sections.map((s) => s.title).join(' → ')}.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: `Alarms (${this.alarms.length})`,
        alarms: this.alarms,
        width: 24,
        height: Math.min(12, 2 + Math.ceil(this.alarms.length / 4)),
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    this.dashboard.addWidgets(heading('## Orders: accepted, outcomes, time to outcome'));
    addRows(this.dashboard, props.business);
    for (const section of props.sections) {
      this.dashboard.addWidgets(
        heading(`${SECTION_MARKER(section.flow)}\n## ${section.title}\n${section.description}`),
      );
      addRows(this.dashboard, section.observable.widgets);
    }
  }
}

const heading = (markdown: string) => new cloudwatch.TextWidget({ markdown, width: 24, height: 2 });

/** Packs widgets into rows of at most 24 columns, in order. */
function addRows(dashboard: cloudwatch.Dashboard, widgets: cloudwatch.IWidget[]) {
  let row: cloudwatch.IWidget[] = [];
  let width = 0;
  for (const widget of widgets) {
    if (width + widget.width > 24 && row.length) {
      dashboard.addWidgets(new cloudwatch.Row(...row));
      row = [];
      width = 0;
    }
    row.push(widget);
    width += widget.width;
  }
  if (row.length) dashboard.addWidgets(new cloudwatch.Row(...row));
}
