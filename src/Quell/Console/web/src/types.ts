// Wire types of the JSON API (snake_case as the server writes them).
export interface IncidentAlert {
  fingerprint: string;
  alert_id: string;
  category: string;
  signal: string;
  state: string;
  first_at: string;
  last_at: string;
  count: number;
  summary?: string;
  suppressed_by?: string;
}

export interface Incident {
  id: string;
  title: string;
  category: string;
  feature?: string;
  provider?: string;
  summary: string;
  attribution?: string;
  source: string;
  severity: string;
  severity_reason: string;
  state: string;
  commander?: string;
  assignee?: string;
  labels: Record<string, string>;
  alerts: IncidentAlert[];
  blast: { tenants: string[]; total_tenants: number; users: number; total_users: number; calls: number; total_calls: number; tenant_share?: number; user_share?: number; call_share?: number };
  example_call_ids: string[];
  related: string[];
  suppressed_by?: string;
  onset_at?: string;
  detected_at: string;
  acknowledged_at?: string;
  mitigated_at?: string;
  resolved_at?: string;
  closed_at?: string;
  updated_at: string;
  pages: { user: string; role: string; at: string; channels: string[] }[];
}

export interface TimelineEntry {
  incident_id: string;
  at: string;
  kind: string;
  actor: string;
  message: string;
  data?: Record<string, string>;
}

export interface IncidentDetail extends Incident {
  timeline: TimelineEntry[];
  notifications: { id: string; channel: string; action: string; recipient?: string; text: string; status: string; attempts: number }[];
  timings_seconds: Record<string, number | null>;
}

export interface Factor {
  dimension: string;
  value: string;
  share: number;
  ratio: number;
  recent_traffic_share: number;
  baseline_traffic_share: number;
}

export interface Alert {
  id: string;
  category: string;
  signal: string;
  labels: Record<string, string>;
  observed: number;
  baseline: number;
  onset_estimate: string;
  fired_at: string;
  example_call_ids: string[];
  attribution: { sentence: string; factors: Factor[] };
  state: string;
  summary: string;
}

export interface Finding {
  field: string;
  kind: string;
  entity: string;
  start: number;
  end: number;
  score: number;
  evidence: string;
  owner?: string;
}

export interface Call {
  seq: number;
  id: string;
  timestamp: string;
  tenant?: string;
  user?: string;
  feature?: string;
  operation?: string;
  provider?: string;
  model?: string;
  model_version?: string;
  region?: string;
  prompt_version?: string;
  trace_id?: string;
  session_id?: string;
  latency_ms?: number;
  ttft_ms?: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd?: number;
  status: string;
  error_type?: string;
  input?: string;
  output?: string;
  system_prompt?: string;
  retrieved?: { id: string; tenant?: string }[];
  tool_calls?: { name: string; arguments_hash?: string }[];
  findings?: Finding[];
  injection_score?: number;
}

export interface Mitigation {
  id: string;
  kind: string;
  scope: Record<string, string | null>;
  parameters: Record<string, unknown>;
  reason: string;
  incident_id?: string;
  alert_id?: string;
  created_by: string;
  created_at: string;
  expires_at?: string;
  state: string;
  updated_at: string;
  approved_by?: string;
}

export interface Postmortem {
  incident_id: string;
  version: number;
  title: string;
  status: string;
  summary: string;
  detection: string;
  mitigation: string;
  root_cause: string;
  went_well: string[];
  went_badly: string[];
  action_items: { id: string; text?: string; title?: string; owner?: string; done?: boolean }[];
  similar_incidents: string[];
  updated_at: string;
  updated_by: string;
}
