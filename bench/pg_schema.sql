-- The conventional events table of the PostgreSQL baseline (scripts/bench.sh
-- creates it fresh before each run and drops it afterwards).
DROP TABLE IF EXISTS accord_bench_events;
CREATE TABLE accord_bench_events (
  position    bigserial PRIMARY KEY,
  stream      text        NOT NULL,
  version     bigint      NOT NULL,
  type        text        NOT NULL,
  data        jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream, version)
);
