-- Demo organisations for the local database. Keys are documentation placeholders.
INSERT INTO api_keys (org_slug, label, key_value) VALUES
  ('demo', 'docs example', 'ak_your_api_key_here'),
  ('demo', 'masked', 'ak_xxxxxxxxxxxxxxxxxxxxxxxx'),
  ('demo', 'zeros', 'ak_00000000000000000000'),
  ('docs', 'example', 'ak_live_example_key_for_docs'),
  ('qa', 'periodic', 'ak_9f39f39f39f39f39f39f3');
