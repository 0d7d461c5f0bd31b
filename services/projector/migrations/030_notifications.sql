-- Notification settings and delivery records (services/notifier). Unlike the read models above,
-- these rows are NOT derived from the log: a rebuild into a fresh schema must copy them over.

-- A tenant's channels. The environment gives defaults for the default tenant; a row here with the
-- same name wins. `config` is checked by the NotificationChannel schema in contracts when read.
CREATE TABLE notification_channels (
  tenant_id   text NOT NULL,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('slack', 'email', 'callback')),
  enabled     boolean NOT NULL DEFAULT true,
  outcomes    text[] NOT NULL DEFAULT ARRAY['COMPLETED', 'FAILED', 'CANCELLED'],
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, name)
);

-- One row per (job, terminal event, channel): the key that makes a notification go out once
-- however often its event is redelivered. A sender claims the row (SENDING, with a lease) before it
-- sends and records the result after; see docs/architecture.md "Notifications".
CREATE TABLE notification_deliveries (
  job_id           uuid NOT NULL,
  event_id         text NOT NULL,
  channel          text NOT NULL,
  tenant_id        text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('slack', 'email', 'callback')),
  outcome          text NOT NULL CHECK (outcome IN ('COMPLETED', 'FAILED', 'CANCELLED')),
  status           text NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'RETRYING', 'SENT', 'FAILED')),
  attempts         int NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  claimed_until    timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  PRIMARY KEY (job_id, event_id, channel)
);
CREATE INDEX notification_deliveries_tenant_status ON notification_deliveries (tenant_id, status, updated_at DESC);
