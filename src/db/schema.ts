/** Kysely table types, one interface per table of `migrations/`. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** numeric columns come back as strings from `pg`; we write numbers. */
type Numeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export type MissionType =
  | "benevolat"
  | "volontariat_service_civique"
  | "volontariat_sapeurs_pompiers"
  | "volontariat_reserve_operationnelle";
export type Remote = "no" | "possible" | "full" | "local";
export type StatusCode = "ACCEPTED" | "REFUSED";

export interface PublisherTable {
  id: string;
  name: string;
  category: string | null;
  url: string | null;
  email: string | null;
  logo: string | null;
  description: Generated<string>;
  is_annonceur: Generated<boolean>;
  has_api_rights: Generated<boolean>;
  has_widget_rights: Generated<boolean>;
  has_campaign_rights: Generated<boolean>;
  moderator: Generated<boolean>;
  mission_type: MissionType | null;
  tracking_prefix: Generated<"utm" | "mtm">;
  skip_moderation: Generated<boolean>;
  default_mission_logo: string | null;
  feed_url: string | null;
  feed_username: string | null;
  feed_password: string | null;
  feed_date_order: Generated<"dmy" | "mdy">;
  attribution_window_days: Generated<number>;
  remote_as_paris: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface ApiKeyTable {
  id: string;
  publisher_id: string;
  key_hash: string;
  key_prefix: string;
  name: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface PublisherOrganizationTable {
  id: string;
  publisher_id: string;
  client_id: string;
  name: string | null;
  rna: string | null;
  siren: string | null;
  siret: string | null;
  url: string | null;
  logo: string | null;
  description: string | null;
  legal_status: string | null;
  type: string | null;
  actions: TextArray;
  full_address: string | null;
  postal_code: string | null;
  city: string | null;
  beneficiaries: TextArray;
  parent_organizations: TextArray;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MissionTable {
  id: string;
  client_id: string;
  publisher_id: string;
  organization_id: string | null;
  title: string;
  description: string;
  description_html: string;
  application_url: string | null;
  image: string | null;
  metadata: string | null;
  domain: string | null;
  domain_original: string | null;
  activities: TextArray;
  tags: TextArray;
  tasks: TextArray;
  audience: TextArray;
  soft_skills: TextArray;
  requirements: TextArray;
  rome_skills: TextArray;
  remote: string | null;
  schedule: string | null;
  duration: number | null;
  posted_at: NullableTimestamp;
  start_at: NullableTimestamp;
  end_at: NullableTimestamp;
  priority: string | null;
  places: number | null;
  places_status: "ATTRIBUTED_BY_API" | "GIVEN_BY_PARTNER" | null;
  type: MissionType | null;
  snu: Generated<boolean>;
  snu_places: number | null;
  open_to_minors: boolean | null;
  reduced_mobility_accessible: boolean | null;
  close_to_transport: boolean | null;
  compensation_amount: Numeric;
  compensation_amount_max: Numeric;
  compensation_unit: string | null;
  compensation_type: string | null;
  status_code: StatusCode;
  status_comment: string;
  last_sync_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MissionAddressTable {
  id: string;
  mission_id: string;
  position: number;
  address_hash: string;
  street: string | null;
  postal_code: string | null;
  department_code: string | null;
  department_name: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  location_lat: number | null;
  location_lon: number | null;
  geoloc_status: string;
}

export interface DiffusionRuleTable {
  id: string;
  publisher_id: string;
  combined_with_id: string | null;
  field: string;
  field_type: Generated<string>;
  operator: string;
  value: string;
  combinator: Generated<"and" | "or">;
  position: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MissionModerationStatusTable {
  mission_id: string;
  publisher_id: string;
  status: Generated<"PENDING" | "ACCEPTED" | "REFUSED" | "ONGOING">;
  comment: string | null;
  note: string | null;
  title: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MissionEventTable {
  id: Generated<string>;
  mission_id: string;
  type: "create" | "update" | "delete" | "restore";
  changes: ColumnType<unknown, string, string>;
  source: string;
  created_at: Timestamp;
}

export interface FeedImportTable {
  id: string;
  publisher_id: string;
  status: "RUNNING" | "SUCCESS" | "FAILED";
  trigger: "schedule" | "cli" | "api";
  source: string | null;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  finished_at: NullableTimestamp;
  not_modified: Generated<boolean>;
  bytes: ColumnType<string, number | undefined, number>;
  received_count: Generated<number>;
  feed_mission_count: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  restored_count: Generated<number>;
  unchanged_count: Generated<number>;
  deleted_count: Generated<number>;
  refused_count: Generated<number>;
  skipped_count: Generated<number>;
  warning_count: Generated<number>;
  pending_deletion_count: Generated<number>;
  mission_count: number | null;
  refused_stock_count: number | null;
  error_code: string | null;
  error: string | null;
  warning: string | null;
  etag: string | null;
  last_modified: string | null;
}

export interface FeedImportProblemTable {
  import_id: string;
  position: number;
  client_id: string | null;
  line: number | null;
  field: string | null;
  outcome: "refused" | "skipped" | "warning";
  message: string;
}

export interface MissionFeedStateTable {
  mission_id: string;
  content_hash: string;
  problems: ColumnType<unknown, string, string>;
  mission_updated_at: Timestamp;
}

export interface ServiceSecretTable {
  name: string;
  value: string;
  created_at: Generated<Date>;
}

export type TrackingEventType = "click" | "impression" | "account" | "apply";
export type TrackingSource = "api" | "widget" | "campaign" | "seo" | "jstag" | "server";
export type ActivityStatus = "PENDING" | "VALIDATED" | "CANCELED" | "REFUSED" | "CARRIED_OUT";

export interface TrackingEventTable {
  id: string;
  type: TrackingEventType;
  created_at: Timestamp;
  updated_at: Timestamp;
  source: TrackingSource;
  source_id: string | null;
  from_publisher_id: string | null;
  to_publisher_id: string | null;
  mission_id: string | null;
  mission_client_id: string | null;
  click_id: string | null;
  client_event_id: string | null;
  request_id: string | null;
  fingerprint: string | null;
  referer: string | null;
  user_agent: string | null;
  host: string | null;
  origin: string | null;
  tags: TextArray;
  /** A JSON object; written as an object (the bulk insert serialises it). */
  custom_attributes: ColumnType<unknown, object | null | undefined, object | null>;
  is_bot: Generated<boolean>;
  is_human: Generated<boolean>;
  attributed: Generated<boolean>;
  status: ActivityStatus | null;
}

export interface CampaignTable {
  id: string;
  diffuseur_id: string;
  annonceur_id: string;
  name: string;
  url: string;
  /** `[{key, value}]`; written as an array (serialised by the caller). */
  trackers: ColumnType<{ key: string; value: string }[], string, string>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: NullableTimestamp;
}

export interface WidgetRule {
  field: string;
  fieldType?: string;
  operator: string;
  value: string;
  combinator?: "and" | "or";
  position?: number;
}

export interface WidgetTable {
  id: string;
  diffuseur_id: string;
  name: string;
  type: Generated<"benevolat" | "volontariat">;
  style: Generated<"page" | "carousel">;
  color: Generated<string>;
  /** Annonceur ids; written serialised. */
  publishers: ColumnType<string[], string | undefined, string>;
  rules: ColumnType<WidgetRule[], string | undefined, string>;
  location: ColumnType<{ lat: number; lon: number; label: string } | null, string | null | undefined, string | null>;
  distance: Generated<string>;
  moderated_only: Generated<boolean>;
  url: string | null;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: NullableTimestamp;
}

export interface BotFingerprintTable {
  fingerprint: string;
  blocked_at: Generated<Date>;
  reason: string | null;
}

/** Known warning types; the column accepts any snake_case type. */
export type WarningType = "suspected_bot" | (string & {});

export interface WarningTable {
  id: string;
  /** The partner concerned; null for a service-wide warning. */
  publisher_id: string | null;
  type: WarningType;
  /** What the warning is about within its type (a fingerprint for suspected_bot); '' when nothing. */
  subject: Generated<string>;
  /** A JSON object; written as its JSON text. */
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  occurrences: Generated<number>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  resolved_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface Database {
  publisher: PublisherTable;
  api_key: ApiKeyTable;
  publisher_organization: PublisherOrganizationTable;
  mission: MissionTable;
  mission_address: MissionAddressTable;
  diffusion_rule: DiffusionRuleTable;
  mission_moderation_status: MissionModerationStatusTable;
  mission_event: MissionEventTable;
  feed_import: FeedImportTable;
  feed_import_problem: FeedImportProblemTable;
  mission_feed_state: MissionFeedStateTable;
  service_secret: ServiceSecretTable;
  tracking_event: TrackingEventTable;
  bot_fingerprint: BotFingerprintTable;
  campaign: CampaignTable;
  warning: WarningTable;
  widget: WidgetTable;
}

export type PublisherRow = Selectable<PublisherTable>;
export type NewPublisher = Insertable<PublisherTable>;
export type PublisherUpdate = Updateable<PublisherTable>;
export type MissionRow = Selectable<MissionTable>;
export type NewMission = Insertable<MissionTable>;
export type MissionAddressRow = Selectable<MissionAddressTable>;
export type OrganizationRow = Selectable<PublisherOrganizationTable>;
export type DiffusionRuleRow = Selectable<DiffusionRuleTable>;
export type FeedImportRow = Selectable<FeedImportTable>;
export type TrackingEventRow = Selectable<TrackingEventTable>;
export type CampaignRow = Selectable<CampaignTable>;
export type WidgetRow = Selectable<WidgetTable>;
export type WarningRow = Selectable<WarningTable>;
