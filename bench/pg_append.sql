-- pgbench script: the PostgreSQL baseline of scripts/bench.sh. Each
-- transaction appends one ExchangeRecorded row to a conventional events
-- table, as an event store on PostgreSQL would: each client owns one stream
-- (an agreement) and numbers its versions itself (`-D version=0`, then +1
-- per transaction), so the unique (stream, version) constraint holds; the
-- position comes from the bigserial. Run with synchronous_commit on.
\set version :version + 1
\set n random(1, 1000000000)
INSERT INTO accord_bench_events (stream, version, type, data)
VALUES (
  'agreement:0190f0a0-2013-7000-8000-' || lpad(:client_id::text, 12, '0'),
  :version,
  'ExchangeRecorded',
  jsonb_build_object(
    'type', 'ExchangeRecorded',
    'agreement_id', '0190f0a0-2013-7000-8000-' || lpad(:client_id::text, 12, '0'),
    'exchange_id', gen_random_uuid(),
    'occurred_on', '2014-05-20',
    'area', 'investment_promotion',
    'kind', 'meeting',
    'parties', jsonb_build_array('dong-nai-iza', 'binh-phuoc-eza'),
    'summary', 'Trao đổi kinh nghiệm xúc tiến đầu tư số ' || :n,
    'outcome', NULL
  )
);
