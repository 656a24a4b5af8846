#include "db/postgres/server_api.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "grantor/core/access_policy.hpp"

namespace grantor::db::postgres {
namespace {

// In the bodies: @S@ the quoted schema, @P@ the prefix as a literal, @PLEN@ its length, @OP@ the
// operator's name as a literal. Operators (=, ||, ~) resolve in pg_catalog through the pinned
// search_path (pg_temp is never searched for functions or operators); tables and functions are
// qualified.
struct ApiFunction {
  std::string_view name;
  std::string_view arguments;  // as pg_get_function_identity_arguments() prints them
  std::string_view result;     // as pg_get_function_result() prints it
  std::string_view volatility;
  bool security_definer;  // runs as the admin that installed it
  bool for_operator;      // EXECUTE granted to the operator
  std::string_view body;
};

constexpr std::string_view kSearchPath = "search_path=pg_catalog, pg_temp";
constexpr std::string_view kVersionMark = "grantor server api ";

// --- helpers: no EXECUTE for anyone but the owner; called by the functions below -----------------

constexpr std::string_view kIsTenant = R"(
BEGIN
  IF p_name IS NULL OR pg_catalog.octet_length(p_name) > 63
     OR pg_catalog.octet_length(p_name) <= @PLEN@ OR pg_catalog.left(p_name, @PLEN@) <> @P@ THEN
    RETURN false;
  END IF;
  RETURN pg_catalog.substr(p_name, @PLEN@ + 1) ~ '^[a-z][a-z0-9_]*$'
     AND pg_catalog.substr(p_name, @PLEN@ + 1) !~ '^(operator|api|meta|admin|admin_.*|def_.*|o[0-9]+)$';
END
)";

constexpr std::string_view kIsGroup = R"(
BEGIN
  RETURN pg_catalog.left(p_name, @PLEN@) = @P@
     AND pg_catalog.substr(p_name, @PLEN@ + 1) ~ '^o[0-9]+$';
END
)";

constexpr std::string_view kPrintable = R"(
BEGIN
  RETURN pg_catalog.left(pg_catalog.regexp_replace(coalesce(p_text, ''), '[^A-Za-z0-9_.-]', '?', 'g'), 64);
END
)";

constexpr std::string_view kRequireTenant = R"(
BEGIN
  IF NOT @S@.is_tenant(p_name) THEN
    RAISE EXCEPTION 'grantor: "%" is not a user of this application', @S@.printable(p_name)
      USING ERRCODE = '42501';
  END IF;
  RETURN p_name;
END
)";

constexpr std::string_view kRequireSecret = R"(
BEGIN
  IF p_secret IS NULL OR p_secret = '' OR pg_catalog.octet_length(p_secret) > 1024
     OR p_secret ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'grantor: a password must be 1 to 1024 bytes without control characters'
      USING ERRCODE = '22023';
  END IF;
  RETURN p_secret;
END
)";

// Runs a statement that carries a password. A failing statement run by EXECUTE is logged with
// its text as CONTEXT, whatever log_min_error_statement says: the error is raised again here
// with its code and message only.
constexpr std::string_view kExecuteQuietly = R"(
DECLARE
  v_state text;
  v_message text;
BEGIN
  EXECUTE p_sql;
EXCEPTION WHEN OTHERS OR query_canceled THEN
  GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
  RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message;
END
)";

// 'managed' (owned by its group role), 'halfway' (owned by the operator: created, not finished),
// 'adopted' (recorded so), or NULL (absent or foreign).
constexpr std::string_view kClassify = R"(
DECLARE
  v_owner text;
BEGIN
  SELECT pg_catalog.pg_get_userbyid(d.datdba) INTO v_owner
    FROM pg_catalog.pg_database d WHERE d.oid = p_database;
  IF NOT FOUND THEN
    RETURN NULL;
  ELSIF v_owner = @P@ || 'o' || p_database::text THEN
    RETURN 'managed';
  ELSIF v_owner = @OP@ THEN
    RETURN 'halfway';
  ELSIF EXISTS (SELECT 1 FROM @S@.databases b WHERE b.datid = p_database AND b.kind = 'adopted') THEN
    RETURN 'adopted';
  END IF;
  RETURN NULL;
END
)";

// The first role reachable from p_role (itself included) that holds SUPERUSER, CREATEROLE,
// REPLICATION or BYPASSRLS, or (beyond p_role) is not one of this application's group or
// per-owner admin roles; NULL when there is none. SET ROLE to such a role would escalate.
constexpr std::string_view kUnsafeReach = R"(
DECLARE
  v_found text;
BEGIN
  WITH RECURSIVE reach(oid) AS (
    SELECT p_role
    UNION
    SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN reach ON m.member = reach.oid)
  SELECT g.rolname INTO v_found
    FROM reach JOIN pg_catalog.pg_roles g ON g.oid = reach.oid
    WHERE g.rolsuper OR g.rolcreaterole OR g.rolreplication OR g.rolbypassrls
       OR (g.oid <> p_role AND NOT (pg_catalog.left(g.rolname, @PLEN@) = @P@
           AND pg_catalog.substr(g.rolname, @PLEN@ + 1) ~ '^(o[0-9]+|admin_[0-9a-f]+)$'))
    ORDER BY g.rolname LIMIT 1;
  RETURN v_found;
END
)";

constexpr std::string_view kGrantRole = R"(
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                 JOIN pg_catalog.pg_roles g ON g.oid = m.roleid AND g.rolname = p_role
                 JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = p_member) THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', p_role, p_member);
  END IF;
END
)";

// Every grant of that membership, whoever made it (PostgreSQL 16 keeps one per grantor).
constexpr std::string_view kRevokeRole = R"(
DECLARE
  r record;
BEGIN
  FOR r IN SELECT m.grantor FROM pg_catalog.pg_auth_members m
           WHERE m.roleid = p_role AND m.member = p_member LOOP
    IF pg_catalog.current_setting('server_version_num')::integer >= 160000 THEN
      EXECUTE pg_catalog.format('REVOKE %I FROM %I GRANTED BY %I', pg_catalog.pg_get_userbyid(p_role),
                                pg_catalog.pg_get_userbyid(p_member), pg_catalog.pg_get_userbyid(r.grantor));
    ELSE
      EXECUTE pg_catalog.format('REVOKE %I FROM %I', pg_catalog.pg_get_userbyid(p_role),
                                pg_catalog.pg_get_userbyid(p_member));
    END IF;
  END LOOP;
END
)";

// The calling session's own account acts with p_role's privileges in sessions of its own next
// (REASSIGN OWNED, ALTER DATABASE ... OWNER TO); a superuser has them already.
constexpr std::string_view kGrantToSession = R"(
BEGIN
  IF NOT @S@.is_superuser(session_user) THEN
    PERFORM @S@.grant_role(p_role, session_user::text);
  END IF;
END
)";

constexpr std::string_view kRoleOid = R"(
BEGIN
  RETURN (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = p_name);
END
)";

constexpr std::string_view kIsSuperuser = R"(
BEGIN
  RETURN coalesce((SELECT a.rolsuper FROM pg_catalog.pg_roles a WHERE a.rolname = p_role), false);
END
)";

// Whether the user owns objects or holds privileges in the database (pg_shdepend records both).
constexpr std::string_view kHoldsIn = R"(
BEGIN
  RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend s
                 WHERE s.dbid = p_database AND s.refobjid = p_user
                   AND s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass);
END
)";

// The calling session's account becomes a member of the user (unless superuser), to act as it
// or with its privileges in sessions of its own; refused when the user reaches a role the
// operator must never hold. release_user takes the membership back.
constexpr std::string_view kLendUser = R"(
DECLARE
  v_problem text;
BEGIN
  IF NOT @S@.is_superuser(session_user) THEN
    v_problem := @S@.unsafe_reach(@S@.role_oid(p_name));
    IF v_problem IS NOT NULL THEN
      RAISE EXCEPTION 'grantor: user "%" reaches "%", which this application''s operator must never hold; the admin account can act on it',
        p_name, v_problem USING ERRCODE = '42501';
    END IF;
    PERFORM @S@.grant_role(p_name, session_user::text);
  END IF;
END
)";

// A NOLOGIN role with no attribute and no membership of its own; made when missing.
constexpr std::string_view kEnsureRole = R"(
DECLARE
  v_role oid;
  v_problem text;
BEGIN
  SELECT g.oid INTO v_role FROM pg_catalog.pg_roles g WHERE g.rolname = p_role;
  IF NOT FOUND THEN
    BEGIN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', p_role);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- made by a concurrent session
    END;
    RETURN;
  END IF;
  v_problem := @S@.unsafe_reach(v_role);
  IF v_problem IS NOT NULL OR (SELECT g.rolcanlogin FROM pg_catalog.pg_roles g WHERE g.oid = v_role) THEN
    RAISE EXCEPTION 'grantor: role "%" may log in or reaches "%": it cannot serve as a group role',
      p_role, coalesce(v_problem, p_role) USING ERRCODE = '42501';
  END IF;
END
)";

// A database's group role: made when missing; the operator (clean-ups) and the calling session
// are members.
constexpr std::string_view kEnsureGroup = R"(
BEGIN
  PERFORM @S@.ensure_role(p_group);
  IF @S@.role_oid(@OP@) IS NOT NULL THEN
    PERFORM @S@.grant_role(p_group, @OP@);
  END IF;
  PERFORM @S@.grant_to_session(p_group);
END
)";

constexpr std::string_view kOwnerAdmin = R"(
BEGIN
  RETURN @P@ || 'admin_' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    coalesce(p_model, '') || '/' || coalesce(p_app, ''), 'UTF8')), 'hex'), 16);
END
)";

// Records a database; an owner already recorded stays. The owner's admin role, when it exists,
// then reaches the database's group role.
constexpr std::string_view kRecord = R"(
DECLARE
  v_known boolean := coalesce(p_model, '') <> '' AND coalesce(p_app, '') <> '';
  v_model text;
  v_app text;
  v_admin text;
BEGIN
  INSERT INTO @S@.databases AS b (datid, name, kind, owner_model, owner_app)
    VALUES (p_database, p_name, p_kind, CASE WHEN v_known THEN p_model END,
            CASE WHEN v_known THEN p_app END)
    ON CONFLICT (datid) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
      owner_model = coalesce(b.owner_model, EXCLUDED.owner_model),
      owner_app = CASE WHEN b.owner_model IS NULL THEN EXCLUDED.owner_app ELSE b.owner_app END
    RETURNING b.owner_model, b.owner_app INTO v_model, v_app;
  IF v_model IS NOT NULL THEN
    v_admin := @S@.owner_admin(v_model, v_app);
    IF @S@.role_oid(v_admin) IS NOT NULL THEN
      PERFORM @S@.grant_role(@P@ || 'o' || p_database::text, v_admin);
    END IF;
  END IF;
END
)";

// EnsureOperator's last step (the admin, in the install transaction): routines that are not this
// version's go; nobody but the owner and the operator holds anything on the schema, its tables
// and routines (the grants follow in InstallSql); the operator is a member of nothing but this
// application's group roles and, when the admin may, holds nothing granted by hand here or on
// shared objects; the legacy "<prefix>admin" role loses its server-wide roles; rows of
// databases that are gone go; the policy is recorded.
constexpr std::string_view kConverge = R"(
DECLARE
  v_schema oid := (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = @P@ || 'api');
  v_op oid := (SELECT o.oid FROM pg_catalog.pg_roles o WHERE o.rolname = @OP@);
  r record;
BEGIN
  FOR r IN SELECT p.oid::pg_catalog.regprocedure AS routine, p.prokind FROM pg_catalog.pg_proc p
           WHERE p.pronamespace = v_schema AND p.proname || '(' ||
                 pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' <> ALL (p_functions) LOOP
    EXECUTE pg_catalog.format('DROP %s %s', CASE WHEN r.prokind = 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END,
                              r.routine);
  END LOOP;
  FOR r IN SELECT DISTINCT o.object, a.grantee FROM (
             SELECT 'SCHEMA ' || pg_catalog.quote_ident(n.nspname) AS object,
                    coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner)) AS acl, n.nspowner AS owner
               FROM pg_catalog.pg_namespace n WHERE n.oid = v_schema
             UNION ALL
             SELECT 'TABLE ' || c.oid::pg_catalog.regclass::text,
                    coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner)), c.relowner
               FROM pg_catalog.pg_class c WHERE c.relnamespace = v_schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             UNION ALL
             SELECT 'ROUTINE ' || p.oid::pg_catalog.regprocedure::text,
                    coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner)), p.proowner
               FROM pg_catalog.pg_proc p WHERE p.pronamespace = v_schema AND p.prokind <> 'a') o,
           pg_catalog.aclexplode(o.acl) a WHERE a.grantee <> o.owner LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', r.object,
      CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);
  END LOOP;
  IF v_op IS NOT NULL THEN
    FOR r IN SELECT m.roleid FROM pg_catalog.pg_auth_members m
             WHERE m.member = v_op AND (NOT @S@.is_group(pg_catalog.pg_get_userbyid(m.roleid))
                                        OR @S@.unsafe_reach(m.roleid) IS NOT NULL) LOOP
      PERFORM @S@.revoke_role(r.roleid, v_op);
    END LOOP;
    IF @S@.is_superuser(current_user) THEN
      EXECUTE pg_catalog.format('DROP OWNED BY %I', @OP@);
    END IF;
  END IF;
  FOR r IN SELECT m.roleid, m.member FROM pg_catalog.pg_auth_members m
           JOIN pg_catalog.pg_roles l ON l.oid = m.member AND l.rolname = @P@ || 'admin'
           JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
           WHERE pg_catalog.left(g.rolname, @PLEN@) <> @P@ LOOP
    PERFORM @S@.revoke_role(r.roleid, r.member);
  END LOOP;
  DELETE FROM @S@.databases b
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database d WHERE d.oid = b.datid);
  INSERT INTO @S@.settings AS s (singleton, grantable, hides_logs)
    VALUES (true, p_grantable, p_hides_logs)
    ON CONFLICT (singleton) DO UPDATE SET grantable = EXCLUDED.grantable, hides_logs = EXCLUDED.hides_logs;
END
)";

// --- the operator's functions ----------------------------------------------------------------

constexpr std::string_view kEnsureUser = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
  v_roles text[] := coalesce(p_roles, '{}');
  v_grantable text[] := (SELECT s.grantable FROM @S@.settings s);
  v_super boolean := @S@.is_superuser(current_user);
  v_role text;
  v_database oid;
  v_kind text;
  v_group text;
  v_admin text;
  v_attributes text;
  r record;
BEGIN
  PERFORM @S@.require_secret(p_secret);
  FOREACH v_role IN ARRAY v_roles LOOP
    IF v_role IS NULL OR NOT (v_role = ANY (ARRAY['createdb', 'createrole', 'superuser', 'admin'])) THEN
      RAISE EXCEPTION 'grantor: "%" is not an extra role grantor gives', @S@.printable(v_role)
        USING ERRCODE = '42501';
    ELSIF NOT coalesce(v_role = ANY (v_grantable), false) THEN
      RAISE EXCEPTION 'grantor: % is not grantable (config allowed-extra-user-roles)', v_role
        USING ERRCODE = '42501';
    ELSIF v_role = 'createrole' AND pg_catalog.current_setting('server_version_num')::integer < 160000 THEN
      RAISE EXCEPTION 'grantor: createrole cannot be given safely before PostgreSQL 16'
        USING ERRCODE = '42501';
    ELSIF v_role = 'superuser' AND NOT v_super THEN
      RAISE EXCEPTION 'grantor: superuser needs an admin account that is superuser'
        USING ERRCODE = '42501';
    END IF;
  END LOOP;
  IF p_database IS NOT NULL THEN
    v_database := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = p_database);
    v_kind := @S@.classify(v_database);
    v_group := @P@ || 'o' || v_database::text;
    IF v_kind IS NULL OR v_kind = 'halfway'
       OR @S@.role_oid(v_group) IS NULL THEN
      RAISE EXCEPTION 'grantor: database "%" does not exist or is neither managed nor adopted by this application',
        @S@.printable(p_database) USING ERRCODE = '3D000';
    END IF;
  END IF;
  v_attributes := ' LOGIN INHERIT'
    || CASE WHEN v_roles && ARRAY['createdb', 'admin'] THEN ' CREATEDB' ELSE ' NOCREATEDB' END
    || CASE WHEN 'createrole' = ANY (v_roles) THEN ' CREATEROLE' ELSE ' NOCREATEROLE' END
    || CASE WHEN NOT v_super THEN '' WHEN 'superuser' = ANY (v_roles) THEN ' SUPERUSER'
            ELSE ' NOSUPERUSER NOREPLICATION NOBYPASSRLS' END
    || ' VALID UNTIL ''infinity''';
  IF @S@.role_oid(v_name) IS NOT NULL THEN
    PERFORM @S@.execute_quietly(pg_catalog.format('ALTER ROLE %I WITH%s PASSWORD %L', v_name, v_attributes, p_secret));
  ELSE
    PERFORM @S@.execute_quietly(pg_catalog.format('CREATE ROLE %I WITH%s PASSWORD %L', v_name, v_attributes, p_secret));
  END IF;
  IF 'admin' = ANY (v_roles) THEN
    v_admin := @S@.owner_admin(p_owner_model, p_owner_app);
    PERFORM @S@.ensure_role(v_admin);
    FOR r IN SELECT b.datid FROM @S@.databases b
             WHERE b.owner_model = p_owner_model AND b.owner_app = p_owner_app
               AND @S@.classify(b.datid) IN ('managed', 'adopted') LOOP
      PERFORM @S@.grant_role(@P@ || 'o' || r.datid::text, v_admin);
    END LOOP;
  END IF;
  FOR r IN SELECT m.roleid, m.member FROM pg_catalog.pg_auth_members m
           JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
           JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = v_name
           WHERE g.rolname IS DISTINCT FROM v_group AND g.rolname IS DISTINCT FROM v_admin LOOP
    PERFORM @S@.revoke_role(r.roleid, r.member);
  END LOOP;
  IF v_admin IS NOT NULL THEN
    PERFORM @S@.grant_role(v_admin, v_name);
  END IF;
  IF v_group IS NOT NULL THEN
    PERFORM @S@.grant_role(v_group, v_name);
    IF pg_catalog.cardinality(v_roles) = 0 THEN
      -- A plain user's default role in its database is the group role. ALTER ROLE ... SET role
      -- cannot run in a SECURITY DEFINER function: the calling session sets it as the user itself
      -- (any role may set its own defaults), as a member of the user until release_user, later
      -- in the same transaction, so that no other session ever sees that membership.
      PERFORM @S@.lend_user(v_name);
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s
                  JOIN pg_catalog.pg_roles u ON u.oid = s.setrole AND u.rolname = v_name
                  WHERE s.setdatabase = v_database
                    AND EXISTS (SELECT 1 FROM pg_catalog.unnest(s.setconfig) c WHERE c LIKE 'role=%')) THEN
      -- RESET role is refused here too; RESET ALL is not, for a superuser (the search_path of an
      -- adopted database is set again below).
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET ALL', v_name, p_database);
    END IF;
    IF v_kind = 'adopted' THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET search_path = %I, public',
                                v_name, p_database, v_group);
    END IF;
  END IF;
END
)";

constexpr std::string_view kSetPassword = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
BEGIN
  PERFORM @S@.require_secret(p_secret);
  IF @S@.role_oid(v_name) IS NULL THEN
    RAISE EXCEPTION 'grantor: user "%" does not exist', v_name USING ERRCODE = '42704';
  END IF;
  PERFORM @S@.execute_quietly(pg_catalog.format('ALTER ROLE %I WITH PASSWORD %L', v_name, p_secret));
END
)";

// NOLOGIN. A session of the user may hold its role's row (an uncommitted ALTER ROLE ...
// PASSWORD of its own): such sessions are ended and the change tried again.
constexpr std::string_view kLockUser = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
BEGIN
  IF @S@.role_oid(v_name) IS NULL THEN
    RETURN false;
  END IF;
  FOR v_attempt IN 1..5 LOOP
    BEGIN
      PERFORM pg_catalog.set_config('lock_timeout', '1s', true);
      EXECUTE pg_catalog.format('ALTER ROLE %I NOLOGIN', v_name);
      RETURN true;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM @S@.end_sessions(v_name);
    END;
  END LOOP;
  RAISE EXCEPTION 'grantor: user "%" cannot be locked: another session holds its role', v_name
    USING ERRCODE = '55P03';
END
)";

// Terminates every session of the user and waits for each to exit (PostgreSQL 14+); again while
// any is left (one that was starting while the first were ended).
constexpr std::string_view kEndSessions = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
  v_pid integer;
  v_ended integer := 0;
  v_found boolean;
BEGIN
  FOR v_round IN 1..3 LOOP
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    v_found := false;
    FOR v_pid IN SELECT a.pid FROM pg_catalog.pg_stat_activity a
                 WHERE a.usename = v_name AND a.pid <> pg_catalog.pg_backend_pid() LOOP
      v_found := true;
      v_ended := v_ended + 1;
      IF pg_catalog.current_setting('server_version_num')::integer >= 140000 THEN
        PERFORM pg_catalog.pg_terminate_backend(v_pid, 5000);
      ELSE
        PERFORM pg_catalog.pg_terminate_backend(v_pid);
      END IF;
    END LOOP;
    EXIT WHEN NOT v_found;
  END LOOP;
  RETURN v_ended;
END
)";

// DropUser's first half, for a locked user whose sessions are gone: the user keeps no attribute
// and no membership that SET ROLE could turn into more than the user's own objects (only its
// group roles); then the calling account is made a member of it (unless superuser) so that its
// own sessions may REASSIGN and DROP OWNED. Databases the user owns get a group role of their
// own and are recorded as managed for the owner of the user's database. Returns every database
// where the user owns the database or objects or holds privileges, with the group role its
// objects go to (NULL: they are dropped).
constexpr std::string_view kPrepareDrop = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
  v_user oid := @S@.role_oid(v_name);
  v_super boolean := @S@.is_superuser(current_user);
  v_model text;
  v_app text;
  r record;
BEGIN
  IF v_user IS NULL THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format('ALTER ROLE %I NOLOGIN NOCREATEROLE%s', v_name,
    CASE WHEN v_super THEN ' NOSUPERUSER NOREPLICATION NOBYPASSRLS' ELSE '' END);
  FOR r IN SELECT m.roleid FROM pg_catalog.pg_auth_members m
           WHERE m.member = v_user AND NOT @S@.is_group(pg_catalog.pg_get_userbyid(m.roleid)) LOOP
    PERFORM @S@.revoke_role(r.roleid, v_user);
  END LOOP;
  PERFORM @S@.lend_user(v_name);
  SELECT b.owner_model, b.owner_app INTO v_model, v_app
    FROM pg_catalog.pg_auth_members m
    JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
    JOIN @S@.databases b ON @P@ || 'o' || b.datid::text = g.rolname
    WHERE m.member = v_user AND b.owner_app IS NOT NULL ORDER BY b.datid LIMIT 1;
  FOR r IN SELECT d.oid, d.datname::text AS datname, d.datdba = v_user AS owned,
                  @S@.holds_in(d.oid, v_user) AS has_objects
           FROM pg_catalog.pg_database d
           ORDER BY d.datname LOOP
    CONTINUE WHEN NOT (r.owned OR r.has_objects);
    database := r.datname;
    owned := r.owned;
    has_objects := r.has_objects;
    group_role := NULL;
    IF r.owned OR @S@.classify(r.oid) IN ('managed', 'adopted') THEN
      group_role := @P@ || 'o' || r.oid::text;
      PERFORM @S@.ensure_group(group_role);
      IF r.owned THEN
        PERFORM @S@.record(r.oid, r.datname, 'managed', v_model, v_app);
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
)";

// DropUser's last step, in the maintenance database: when the user still owns a database or
// holds anything in another database (one the clean-up could not reach), nothing is dropped,
// the calling account gives the user's privileges back, and those databases are returned;
// otherwise DROP OWNED here (objects in this database, privileges on shared objects) and DROP
// ROLE, and an empty array.
constexpr std::string_view kDropUser = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
  v_user oid := @S@.role_oid(v_name);
  v_left text[];
BEGIN
  IF v_user IS NULL THEN
    RETURN '{}';
  END IF;
  v_left := (SELECT coalesce(pg_catalog.array_agg(d.datname::text ORDER BY d.datname), '{}')
             FROM pg_catalog.pg_database d
             WHERE d.datname <> pg_catalog.current_database()
               AND (d.datdba = v_user OR @S@.holds_in(d.oid, v_user)));
  IF pg_catalog.cardinality(v_left) > 0 THEN
    PERFORM @S@.release_user(v_name);
    RETURN v_left;
  END IF;
  IF NOT @S@.is_superuser(current_user) THEN
    PERFORM @S@.grant_role(v_name, current_user::text);
  END IF;
  EXECUTE pg_catalog.format('DROP OWNED BY %I', v_name);
  EXECUTE pg_catalog.format('DROP ROLE %I', v_name);
  RETURN '{}';
END
)";

// The calling account gives back the membership in a user that ensure_user or prepare_drop
// gave it.
constexpr std::string_view kReleaseUser = R"(
DECLARE
  v_name text := @S@.require_tenant(p_name);
BEGIN
  PERFORM @S@.revoke_role(@S@.role_oid(v_name),
                          @S@.role_oid(session_user));
END
)";

// After the calling account's CREATE DATABASE (owned by the operator) or for a database this
// application manages: its group role, the record (an owner already recorded stays). The caller
// then revokes PUBLIC's privileges and hands the database to the group role, last.
constexpr std::string_view kFinishDatabase = R"(
DECLARE
  v_database oid := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = p_database);
  v_kind text := @S@.classify(v_database);
  v_group text := @P@ || 'o' || v_database::text;
BEGIN
  IF v_database IS NULL THEN
    RAISE EXCEPTION 'grantor: database "%" does not exist', @S@.printable(p_database)
      USING ERRCODE = '3D000';
  ELSIF v_kind IS NULL OR v_kind = 'adopted' THEN
    RAISE EXCEPTION 'grantor: database "%" exists and is not managed by this application',
      @S@.printable(p_database) USING ERRCODE = '42P04';
  END IF;
  PERFORM @S@.ensure_group(v_group);
  PERFORM @S@.record(v_database, p_database, 'managed', p_owner_model, p_owner_app);
  RETURN v_group;
END
)";

// The admin's (the operator has no EXECUTE on it): CONNECT and TEMPORARY for the database's
// group role, and the record. The engine then gives the group role a schema of its own there.
constexpr std::string_view kAdoptDatabase = R"(
DECLARE
  v_database oid := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = p_database);
  v_kind text := @S@.classify(v_database);
  v_group text := @P@ || 'o' || v_database::text;
BEGIN
  IF v_database IS NULL THEN
    RAISE EXCEPTION 'grantor: database "%" does not exist', @S@.printable(p_database)
      USING ERRCODE = '3D000';
  ELSIF v_kind IN ('managed', 'halfway') THEN
    RAISE EXCEPTION 'grantor: database "%" is managed by this application', @S@.printable(p_database)
      USING ERRCODE = '42P04';
  END IF;
  PERFORM @S@.ensure_group(v_group);
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('grantor:database-acl:' || p_database, 0));
  EXECUTE pg_catalog.format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', p_database, v_group);
  PERFORM @S@.record(v_database, p_database, 'adopted', p_owner_model, p_owner_app);
  RETURN v_group;
END
)";

const std::vector<ApiFunction>& Functions() {
  static const std::vector<ApiFunction> kFunctions{
      {"is_tenant", "p_name text", "boolean", "IMMUTABLE", false, false, kIsTenant},
      {"is_group", "p_name text", "boolean", "IMMUTABLE", false, false, kIsGroup},
      {"printable", "p_text text", "text", "IMMUTABLE", false, false, kPrintable},
      {"require_tenant", "p_name text", "text", "IMMUTABLE", false, false, kRequireTenant},
      {"require_secret", "p_secret text", "text", "IMMUTABLE", false, false, kRequireSecret},
      {"execute_quietly", "p_sql text", "void", "VOLATILE", false, false, kExecuteQuietly},
      {"classify", "p_database oid", "text", "STABLE", false, false, kClassify},
      {"unsafe_reach", "p_role oid", "text", "STABLE", false, false, kUnsafeReach},
      {"role_oid", "p_name text", "oid", "STABLE", false, false, kRoleOid},
    {"is_superuser", "p_role text", "boolean", "STABLE", false, false, kIsSuperuser},
      {"holds_in", "p_database oid, p_user oid", "boolean", "STABLE", false, false, kHoldsIn},
      {"grant_role", "p_role text, p_member text", "void", "VOLATILE", false, false, kGrantRole},
      {"lend_user", "p_name text", "void", "VOLATILE", false, false, kLendUser},
      {"revoke_role", "p_role oid, p_member oid", "void", "VOLATILE", false, false, kRevokeRole},
      {"grant_to_session", "p_role text", "void", "VOLATILE", false, false, kGrantToSession},
      {"ensure_role", "p_role text", "void", "VOLATILE", false, false, kEnsureRole},
      {"ensure_group", "p_group text", "void", "VOLATILE", false, false, kEnsureGroup},
      {"owner_admin", "p_model text, p_app text", "text", "IMMUTABLE", false, false, kOwnerAdmin},
      {"record", "p_database oid, p_name text, p_kind text, p_model text, p_app text", "void",
       "VOLATILE", false, false, kRecord},
      {"converge", "p_grantable text[], p_hides_logs boolean, p_functions text[]", "void",
       "VOLATILE", false, false, kConverge},
      {"adopt_database", "p_database text, p_owner_model text, p_owner_app text", "text",
       "VOLATILE", false, false, kAdoptDatabase},
      {"ensure_user",
       "p_name text, p_secret text, p_database text, p_roles text[], p_owner_model text, "
       "p_owner_app text",
       "void", "VOLATILE", true, true, kEnsureUser},
      {"set_password", "p_name text, p_secret text", "void", "VOLATILE", true, true, kSetPassword},
      {"lock_user", "p_name text", "boolean", "VOLATILE", true, true, kLockUser},
      {"end_sessions", "p_name text", "integer", "VOLATILE", true, true, kEndSessions},
      {"prepare_drop", "p_name text",
       "TABLE(database text, group_role text, owned boolean, has_objects boolean)", "VOLATILE",
       true, true, kPrepareDrop},
      {"drop_user", "p_name text", "text[]", "VOLATILE", true, true, kDropUser},
      {"release_user", "p_name text", "void", "VOLATILE", true, true, kReleaseUser},
      {"finish_database", "p_database text, p_owner_model text, p_owner_app text", "text",
       "VOLATILE", true, true, kFinishDatabase},
  };
  return kFunctions;
}

std::string Signature(const ApiFunction& function) {
  return std::string(function.name) + "(" + std::string(function.arguments) + ")";
}

void ReplaceAll(std::string& text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string VersionMark() { return std::string(kVersionMark) + std::to_string(kServerApiVersion); }

}  // namespace

bool IsApiPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 40 || prefix.front() < 'a' || prefix.front() > 'z') {
    return false;
  }
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const std::vector<std::string>& LogParameters() {
  static const std::vector<std::string> kParameters{
      "log_statement",           "log_min_error_statement",     "log_min_duration_statement",
      "log_min_duration_sample", "log_transaction_sample_rate", "pg_stat_statements.track_utility"};
  return kParameters;
}

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

ServerApi::ServerApi(std::string instance_prefix)
    : prefix_(std::move(instance_prefix)), schema_(prefix_ + "api") {
  if (!IsApiPrefix(prefix_)) throw std::invalid_argument("not an api prefix");
}

std::string ServerApi::Qualified(std::string_view function) const {
  return "\"" + schema_ + "\"." + std::string(function);
}

std::string ServerApi::Substitute(std::string_view body) const {
  std::string text(body);
  ReplaceAll(text, "@S@", "\"" + schema_ + "\"");
  ReplaceAll(text, "@PLEN@", std::to_string(prefix_.size()));
  ReplaceAll(text, "@P@", "'" + prefix_ + "'");
  ReplaceAll(text, "@OP@", "'" + OperatorName() + "'");
  return text;
}

std::string ServerApi::InstallSql(const ExtraRoles& grantable, bool hides_logs) const {
  const std::string schema = "\"" + schema_ + "\"";
  const std::string op = "\"" + OperatorName() + "\"";
  std::string sql = "CREATE SCHEMA IF NOT EXISTS " + schema + "; ALTER SCHEMA " + schema +
                    " OWNER TO CURRENT_USER; ";
  // datid: the database's OID, the key that survives renames; name: as when recorded.
  sql += "CREATE TABLE IF NOT EXISTS " + schema +
         ".databases (datid pg_catalog.oid PRIMARY KEY, name pg_catalog.text NOT NULL,"
         " kind pg_catalog.text NOT NULL CHECK (kind IN ('managed', 'adopted')),"
         " owner_model pg_catalog.text, owner_app pg_catalog.text,"
         " recorded_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()); ";
  sql += "CREATE TABLE IF NOT EXISTS " + schema +
         ".settings (singleton pg_catalog.bool PRIMARY KEY CHECK (singleton),"
         " grantable pg_catalog.text[] NOT NULL, hides_logs pg_catalog.bool NOT NULL); ";
  sql += "ALTER TABLE " + schema + ".databases OWNER TO CURRENT_USER; ALTER TABLE " + schema +
         ".settings OWNER TO CURRENT_USER; ";
  std::string expected;
  std::string executable;
  for (const auto& function : Functions()) {
    const std::string qualified =
        Qualified(function.name) + "(" + std::string(function.arguments) + ")";
    sql += "DROP FUNCTION IF EXISTS " + qualified + "; ";
    sql += "CREATE FUNCTION " + qualified + " RETURNS " + std::string(function.result) +
           " LANGUAGE plpgsql " + std::string(function.volatility) +
           (function.security_definer ? " SECURITY DEFINER" : "") +
           " SET search_path = pg_catalog, pg_temp AS $grantor$" + Substitute(function.body) +
           "$grantor$; ";
    expected += (expected.empty() ? "'" : ", '") + Signature(function) + "'";
    if (function.for_operator) executable += (executable.empty() ? "" : ", ") + qualified;
  }
  std::string roles;
  for (const ExtraRole role : grantable) {
    roles += (roles.empty() ? "'" : ", '") + core::ExtraRoleName(role) + "'";
  }
  sql += "SELECT " + Qualified("converge") + "(ARRAY[" + roles + "]::pg_catalog.text[], " +
         (hides_logs ? "true" : "false") + ", ARRAY[" + expected + "]::pg_catalog.text[]); ";
  sql += "GRANT USAGE ON SCHEMA " + schema + " TO " + op + "; GRANT SELECT ON " + schema +
         ".databases, " + schema + ".settings TO " + op + "; GRANT EXECUTE ON FUNCTION " +
         executable + " TO " + op + "; ";
  if (hides_logs) {
    std::string parameters;
    for (const auto& parameter : LogParameters()) {
      parameters += (parameters.empty() ? "" : ", ") + parameter;
    }
    sql += "GRANT SET ON PARAMETER " + parameters + " TO " + op + "; ";
  }
  sql += "COMMENT ON SCHEMA " + schema + " IS '" + VersionMark() + "'";
  return sql;
}

// Privileges as "grantee=PRIVILEGE,..." (sorted), the owner's own left out.
constexpr std::string_view kAclText =
    "coalesce((SELECT pg_catalog.string_agg(x.entry, ',' ORDER BY x.entry) FROM ("
    "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END"
    " || '=' || a.privilege_type AS entry FROM pg_catalog.aclexplode(@ACL@) a"
    " WHERE a.grantee <> @OWNER@) x), '')";

std::string ServerApi::CheckQuery() const {
  const auto acl = [](std::string_view acl_expression, std::string_view owner) {
    std::string text(kAclText);
    ReplaceAll(text, "@ACL@", std::string(acl_expression));
    ReplaceAll(text, "@OWNER@", std::string(owner));
    return text;
  };
  const std::string schema_literal = "'" + schema_ + "'";
  return "SELECT 'schema', n.nspname::pg_catalog.text,"
         " coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '') || '|' || " +
         acl("coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))", "n.nspowner") +
         " FROM pg_catalog.pg_namespace n WHERE n.nspname = " + schema_literal +
         " UNION ALL SELECT 'function', p.proname || '(' ||"
         " pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',"
         " pg_catalog.pg_get_function_result(p.oid) || '|' || l.lanname || '|' ||"
         " p.prosecdef::pg_catalog.text || '|' ||"
         " coalesce(pg_catalog.array_to_string(p.proconfig, pg_catalog.chr(59)), '') || '|' ||"
         " pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p.prosrc, 'UTF8')), 'hex')"
         " || '|' || (p.proowner = n.nspowner)::pg_catalog.text || '|' || " +
         acl("coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))", "p.proowner") +
         " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
         " JOIN pg_catalog.pg_language l ON l.oid = p.prolang WHERE n.nspname = " +
         schema_literal +
         " UNION ALL SELECT 'table', c.relname::pg_catalog.text,"
         " (c.relowner = n.nspowner)::pg_catalog.text || '|' || " +
         acl("coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))", "c.relowner") +
         " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
         " WHERE n.nspname = " +
         schema_literal + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";
}

std::vector<std::string> ServerApi::CheckProblems(const std::vector<ApiCheckRow>& rows) const {
  const std::string op = OperatorName();
  std::map<std::string, std::string> functions;
  std::map<std::string, std::string> tables;
  std::optional<std::string> schema_line;
  std::vector<std::string> problems;
  for (const auto& row : rows) {
    if (row.kind == "schema") schema_line = row.line;
    if (row.kind == "function" && !functions.emplace(row.name, row.line).second) {
      problems.push_back("function " + row.name + " is defined twice");
    }
    if (row.kind == "table") tables.emplace(row.name, row.line);
  }
  if (!schema_line) return {"server-side functions are missing (schema " + schema_ + ")"};
  const std::string mark = schema_line->substr(0, schema_line->find('|'));
  if (mark != VersionMark()) {
    const bool ours = mark.rfind(kVersionMark, 0) == 0;
    return {"functions are version " + (ours ? mark.substr(kVersionMark.size()) : "unknown") +
            ", expected " + std::to_string(kServerApiVersion)};
  }
  if (schema_line->substr(mark.size() + 1) != op + "=USAGE") {
    problems.push_back("privileges on schema " + schema_ + " altered");
  }
  for (const auto& function : Functions()) {
    const std::string expected = std::string(function.result) + "|plpgsql|" +
                                 (function.security_definer ? "true" : "false") + "|" +
                                 std::string(kSearchPath) + "|" +
                                 Sha256Hex(Substitute(function.body)) + "|true|" +
                                 (function.for_operator ? op + "=EXECUTE" : "");
    const auto found = functions.find(Signature(function));
    if (found == functions.end()) {
      problems.push_back("function " + std::string(function.name) + " missing");
      continue;
    }
    if (found->second != expected) {
      problems.push_back("function " + std::string(function.name) + " altered");
    }
    functions.erase(found);
  }
  for (const auto& [name, line] : functions) {
    problems.push_back("function " + name + " is not grantor's");
  }
  for (const char* table : {"databases", "settings"}) {
    const auto found = tables.find(table);
    if (found == tables.end()) {
      problems.push_back("table " + std::string(table) + " missing");
    } else if (found->second != "true|" + op + "=SELECT") {
      problems.push_back("privileges on table " + std::string(table) + " altered");
    }
  }
  return problems;
}

}  // namespace grantor::db::postgres
