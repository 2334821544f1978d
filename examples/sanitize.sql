-- examples/sanitize.sql: scrub personal data from a staging copy of production.
--
--   heroku staging:refresh -a acme-staging --sanitize examples/sanitize.sql
--
-- staging:refresh runs this whole file in ONE transaction over a direct connection: if any
-- statement fails, nothing is applied, the staging app stays in maintenance mode, and the command
-- exits non-zero. So do not add BEGIN / COMMIT / ROLLBACK here.
--
-- Every block looks its tables and columns up in information_schema first, so the file runs
-- unchanged on a schema that lacks some of them. Adapt the patterns to your schema.

-- 1. Email addresses: unique per original value (unique indexes keep working), deliverable nowhere.
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN
    SELECT c.table_schema, c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE t.table_type = 'BASE TABLE'
      AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      AND c.udt_name IN ('text', 'varchar', 'citext', 'bpchar')
      AND c.column_name ~* '^(.*_)?e?mail(_address)?$'
  LOOP
    EXECUTE format(
      'UPDATE %I.%I SET %I = ''user+'' || left(md5(%I::text), 12) || ''@example.invalid'' WHERE %I IS NOT NULL',
      col.table_schema, col.table_name, col.column_name, col.column_name, col.column_name);
  END LOOP;
END
$$;

-- 2. People's names: first/last/full/display names anywhere, and a bare `name` column only in
--    tables that hold people (a product's name is left alone).
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN
    SELECT c.table_schema, c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE t.table_type = 'BASE TABLE'
      AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      AND c.udt_name IN ('text', 'varchar', 'citext', 'bpchar')
      AND (
        c.column_name ~* '^(first|last|middle|full|display|given|family|sur|maiden)_?name$'
        OR (c.column_name ~* '^name$'
            AND c.table_name ~* '^(users?|customers?|people|persons?|profiles?|contacts?|members?|employees?|accounts?)$')
      )
  LOOP
    EXECUTE format(
      'UPDATE %I.%I SET %I = ''Person '' || left(md5(%I::text), 8) WHERE %I IS NOT NULL',
      col.table_schema, col.table_name, col.column_name, col.column_name, col.column_name);
  END LOOP;
END
$$;

-- 3. Phone numbers: a reserved fictional number.
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN
    SELECT c.table_schema, c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE t.table_type = 'BASE TABLE'
      AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      AND c.udt_name IN ('text', 'varchar', 'bpchar')
      AND c.column_name ~* '^(.*_)?(phone|mobile|telephone)(_number)?$'
  LOOP
    EXECUTE format('UPDATE %I.%I SET %I = ''+1-555-0100'' WHERE %I IS NOT NULL',
      col.table_schema, col.table_name, col.column_name, col.column_name);
  END LOOP;
END
$$;

-- 4. Tokens, secrets and password hashes: random values nobody knows, so no production login,
--    API key or reset link works on staging.
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN
    SELECT c.table_schema, c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE t.table_type = 'BASE TABLE'
      AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      AND c.udt_name IN ('text', 'varchar', 'bpchar')
      AND c.column_name ~* '(token|secret|api_?key|password_digest|encrypted_password|password_hash|otp_secret)'
  LOOP
    EXECUTE format('UPDATE %I.%I SET %I = md5(random()::text || clock_timestamp()::text) WHERE %I IS NOT NULL',
      col.table_schema, col.table_name, col.column_name, col.column_name);
  END LOOP;
END
$$;

-- 5. Sessions: production's logged-in sessions have no business on staging.
DO $$
DECLARE
  tbl record;
BEGIN
  FOR tbl IN
    SELECT table_schema, table_name
    FROM information_schema.tables
    WHERE table_type = 'BASE TABLE'
      AND table_schema NOT IN ('pg_catalog', 'information_schema')
      AND table_name ~* '^(user_)?sessions$'
  LOOP
    EXECUTE format('DELETE FROM %I.%I', tbl.table_schema, tbl.table_name);
  END LOOP;
END
$$;
