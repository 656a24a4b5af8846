#include "db/mysql/server_api.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "db/mysql/sql.hpp"
#include "grantor/core/naming.hpp"

namespace grantor::db::mysql {
namespace {

// Every routine argument: wide enough that a hostile value is seen whole (a longer one is an
// error under the routines' strict sql_mode), compared code point by code point.
constexpr std::string_view kText = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

// MESSAGE_TEXT holds 512 characters on MariaDB, 128 on MySQL.
constexpr int kMariaDbMessageLimit = 512;
constexpr int kMySqlMessageLimit = 128;

// The columns of `databases` a release before owners lacked (name, kind, recorded_at are
// older); EnsureOperator adds the missing ones.
const std::vector<std::pair<std::string, std::string>> kNewDatabaseColumns = {
    {"id", "BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE"},
    {"owner_model", "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"},
    {"owner_app", "VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"},
};

// Refusals. MYSQL_ERRNO picks the DbError kind on the client (KindFromErrno): 1227 access
// denied, 1049 unknown database (kNotFound), 1133 no such user (kNotFound), 1007 exists.
constexpr std::string_view kRefuseUnlessTenant = R"(
  IF NOT IFNULL(${META}.`is_tenant`(p_name), 0) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: refused: the account is not a relation user of this application', MYSQL_ERRNO = 1227;
  END IF;)";
constexpr std::string_view kRefuseUnlessAuth = R"(
  IF NOT IFNULL(${META}.`auth_ok`(p_auth), 0) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: refused: the password hash is malformed', MYSQL_ERRNO = 1227;
  END IF;)";

// Runs the statement in @grantor_sql (dynamic SQL needs a user variable on MySQL).
constexpr std::string_view kExecute =
    "PREPARE grantor_statement FROM @grantor_sql; EXECUTE grantor_statement; "
    "DEALLOCATE PREPARE grantor_statement;";

// What the digest covers of one routine `r` of information_schema.ROUTINES: its kind, definer,
// SQL SECURITY, sql_mode, characteristics, comment, return type, body, and its parameters `p`
// (kRoutinesWithParameters).
constexpr std::string_view kRoutineSha = R"(SHA2(CONCAT_WS('|', r.ROUTINE_TYPE, r.DEFINER,
          r.SECURITY_TYPE, r.SQL_MODE, r.IS_DETERMINISTIC, r.SQL_DATA_ACCESS,
          IFNULL(r.DTD_IDENTIFIER, ''), r.ROUTINE_COMMENT, IFNULL(r.ROUTINE_DEFINITION, ''),
          IFNULL(p.parameters, '')), 256))";

// The parameters are aggregated in a derived table joined to the routines, not in a correlated
// subquery: MariaDB 10.11 fails the second run of such a subquery inside an aggregate in a
// stored function ("Invalid use of group function").
constexpr std::string_view kRoutinesWithParameters = R"(information_schema.ROUTINES r
          LEFT JOIN (SELECT SPECIFIC_NAME, ROUTINE_TYPE,
                            GROUP_CONCAT(CONCAT_WS(' ', ORDINAL_POSITION, IFNULL(PARAMETER_MODE, ''),
                                                   IFNULL(PARAMETER_NAME, ''), DTD_IDENTIFIER)
                                         ORDER BY ORDINAL_POSITION SEPARATOR ',') AS parameters
                     FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = ${META_NAME}
                     GROUP BY SPECIFIC_NAME, ROUTINE_TYPE) AS p
            ON p.SPECIFIC_NAME = r.SPECIFIC_NAME AND p.ROUTINE_TYPE = r.ROUTINE_TYPE
          WHERE r.ROUTINE_SCHEMA = ${META_NAME})";

// One routine's digest, or with NULL the digest of the digests of every routine of the database
// (ordered by name; 13 digests stay within MySQL's default group_concat_max_len of 1024): the
// operator's check costs one call, and a routine added by hand changes it too.
constexpr std::string_view kRoutineDigest = R"(
(p_routine ${TEXT}) RETURNS CHAR(64) CHARACTER SET ascii
READS SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: digest of a routine of this database (NULL: of all), for the operator''s integrity check'
BEGIN
  IF p_routine IS NULL THEN
    RETURN (SELECT SHA2(GROUP_CONCAT(${ROUTINE_SHA} ORDER BY CAST(r.ROUTINE_NAME AS BINARY),
                                     r.ROUTINE_TYPE SEPARATOR ','), 256)
            FROM ${ROUTINES});
  END IF;
  RETURN (SELECT ${ROUTINE_SHA} FROM ${ROUTINES} AND r.ROUTINE_NAME = p_routine);
END)";

constexpr std::string_view kCharsIn = R"(
(p_text ${TEXT}, p_set ${TEXT}) RETURNS TINYINT
DETERMINISTIC NO SQL SQL SECURITY DEFINER
COMMENT 'grantor: 1 when p_text is not empty and each of its characters is in p_set'
BEGIN
  DECLARE v_at INT DEFAULT 1;
  IF p_text IS NULL OR CHAR_LENGTH(p_text) = 0 THEN RETURN 0; END IF;
  WHILE v_at <= CHAR_LENGTH(p_text) DO
    IF IFNULL(LOCATE(SUBSTRING(p_text, v_at, 1), p_set), 0) = 0 THEN RETURN 0; END IF;
    SET v_at = v_at + 1;
  END WHILE;
  RETURN 1;
END)";

// core::IsTenantUserName, with the application's prefix baked in.
constexpr std::string_view kIsTenant = R"(
(p_name ${TEXT}) RETURNS TINYINT
DETERMINISTIC NO SQL SQL SECURITY DEFINER
COMMENT 'grantor: 1 when p_name may be a relation user of this application'
BEGIN
  DECLARE v_suffix ${TEXT};
  IF p_name IS NULL OR CHAR_LENGTH(p_name) > 32 OR CHAR_LENGTH(p_name) <= ${PREFIX_LENGTH}
     OR CAST(LEFT(p_name, ${PREFIX_LENGTH}) AS BINARY) <> CAST(${PREFIX} AS BINARY) THEN
    RETURN 0;
  END IF;
  SET v_suffix = SUBSTRING(p_name, ${PREFIX_LENGTH} + 1);
  IF NOT ${META}.`chars_in`(LEFT(v_suffix, 1), 'abcdefghijklmnopqrstuvwxyz')
     OR NOT ${META}.`chars_in`(v_suffix, 'abcdefghijklmnopqrstuvwxyz0123456789_') THEN
    RETURN 0;
  END IF;
  IF v_suffix IN ('operator', 'api', 'meta', 'admin') OR LEFT(v_suffix, 6) = 'admin_'
     OR LEFT(v_suffix, 4) = 'def_'
     OR (LEFT(v_suffix, 1) = 'o' AND ${META}.`chars_in`(SUBSTRING(v_suffix, 2), '0123456789')) THEN
    RETURN 0;
  END IF;
  RETURN 1;
END)";

// core::DatabaseNameProblem (MySQL dialect), and never the bookkeeping database itself.
constexpr std::string_view kDatabaseNameOk = R"(
(p_name ${TEXT}) RETURNS TINYINT
DETERMINISTIC NO SQL SQL SECURITY DEFINER
COMMENT 'grantor: 1 when p_name may be a database this application creates'
BEGIN
  IF p_name IS NULL OR CHAR_LENGTH(p_name) > 64
     OR NOT ${META}.`chars_in`(LEFT(p_name, 1), '${ALNUM}_')
     OR NOT ${META}.`chars_in`(p_name, '${ALNUM}_-') THEN
    RETURN 0;
  END IF;
  RETURN NOT (LOWER(p_name) IN ('mysql', 'sys', 'information_schema', 'performance_schema')
              OR LEFT(LOWER(p_name), 8) = 'grantor_' OR p_name = ${META_NAME});
END)";

constexpr std::string_view kAuthOk = R"(
(p_auth ${TEXT}) RETURNS TINYINT
DETERMINISTIC NO SQL SQL SECURITY DEFINER
COMMENT 'grantor: 1 when p_auth has the shape of a mysql_native_password hash'
RETURN p_auth IS NOT NULL AND CHAR_LENGTH(p_auth) = 41 AND LEFT(p_auth, 1) = '*'
       AND ${META}.`chars_in`(SUBSTRING(p_auth, 2), '0123456789ABCDEF'))";

constexpr std::string_view kDatabaseExists = R"(
(p_name ${TEXT}) RETURNS TINYINT
READS SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: 1 when database p_name exists'
RETURN EXISTS (SELECT 1 FROM information_schema.SCHEMATA
               WHERE SCHEMA_NAME = p_name AND CAST(SCHEMA_NAME AS BINARY) = CAST(p_name AS BINARY)))";

constexpr std::string_view kUserExists = R"(
(p_name ${TEXT}) RETURNS TINYINT
READS SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: 1 when account p_name@% of this application exists'
BEGIN
  IF p_name IS NULL OR CAST(LEFT(p_name, ${PREFIX_LENGTH}) AS BINARY) <> CAST(${PREFIX} AS BINARY) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: refused: not an account of this application', MYSQL_ERRNO = 1227;
  END IF;
  RETURN EXISTS (SELECT 1 FROM mysql.user
                 WHERE Host = '%' AND CAST(User AS BINARY) = CAST(p_name AS BINARY));
END)";

constexpr std::string_view kListUsers = R"(
(p_prefix ${TEXT})
READS SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: the accounts name@% of this application whose name starts with p_prefix'
SELECT User FROM mysql.user
WHERE Host = '%' AND CAST(LEFT(User, ${PREFIX_LENGTH}) AS BINARY) = CAST(${PREFIX} AS BINARY)
  AND CAST(LEFT(User, CHAR_LENGTH(IFNULL(p_prefix, ''))) AS BINARY) = CAST(IFNULL(p_prefix, '') AS BINARY)
ORDER BY CAST(User AS BINARY))";

constexpr std::string_view kCreateDatabase = R"(
(p_name ${TEXT}, p_owner_model ${TEXT}, p_owner_app ${TEXT})
MODIFIES SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: records database p_name as managed for its owner, then creates it'
BEGIN
  DECLARE v_kind VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
  DECLARE v_owned TINYINT;
  IF NOT IFNULL(${META}.`database_name_ok`(p_name), 0) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: refused: not a database name this application may create', MYSQL_ERRNO = 1227;
  END IF;
  SET v_kind = (SELECT kind FROM ${META}.`databases` WHERE name = p_name);
  SET v_owned = (SELECT owner_model IS NOT NULL OR owner_app IS NOT NULL
                 FROM ${META}.`databases` WHERE name = p_name);
  IF v_kind IS NOT NULL AND v_kind <> 'managed' THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: the database was adopted, not created, by this application', MYSQL_ERRNO = 1007;
  END IF;
  IF v_kind IS NULL THEN
    IF ${META}.`database_exists`(p_name) THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
        'grantor: the database exists and is not managed by this application', MYSQL_ERRNO = 1007;
    END IF;
    INSERT INTO ${META}.`databases` (name, kind, owner_model, owner_app)
      VALUES (p_name, 'managed', NULLIF(p_owner_model, ''), NULLIF(p_owner_app, ''));
  ELSEIF NOT v_owned THEN
    UPDATE ${META}.`databases`
      SET owner_model = NULLIF(p_owner_model, ''), owner_app = NULLIF(p_owner_app, '')
      WHERE name = p_name AND owner_model IS NULL AND owner_app IS NULL;
  END IF;
  IF NOT ${META}.`database_exists`(p_name) THEN
    BEGIN
      DECLARE EXIT HANDLER FOR 1007
      BEGIN
        DELETE FROM ${META}.`databases` WHERE name = p_name AND kind = 'managed';
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
          'grantor: someone else created the database meanwhile; it is not managed by this application',
          MYSQL_ERRNO = 1007;
      END;
      SET @grantor_sql = CONCAT('CREATE DATABASE `', REPLACE(p_name, '`', '``'),
                                '` CHARACTER SET utf8mb4');
      ${EXECUTE}
    END;
  END IF;
  SET @grantor_sql = NULL;
END)";

constexpr std::string_view kEnsureUser = R"(
(p_name ${TEXT}, p_auth ${TEXT}, p_database ${TEXT}, p_roles ${TEXT})
MODIFIES SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: makes relation user p_name exist, unlocked, with this password hash, its database and exactly these roles'
BEGIN
  DECLARE v_rest ${TEXT} DEFAULT NULLIF(p_roles, '');
  DECLARE v_role ${TEXT};
  DECLARE v_createdb TINYINT DEFAULT 0;
  DECLARE v_superuser TINYINT DEFAULT 0;
  DECLARE v_account ${TEXT};
  DECLARE v_message VARCHAR(512) CHARACTER SET utf8mb4;
  ${REFUSE_UNLESS_TENANT}
  ${REFUSE_UNLESS_AUTH}
  WHILE v_rest IS NOT NULL DO
    SET v_role = SUBSTRING_INDEX(v_rest, ',', 1);
    SET v_rest = IF(LOCATE(',', v_rest) = 0, NULL, SUBSTRING(v_rest, LOCATE(',', v_rest) + 1));
    IF v_role IN ('createrole', 'admin') THEN
      SET v_message = CONCAT('grantor: refused: role ', v_role,
                             ' cannot be given safely on MariaDB/MySQL');
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message, MYSQL_ERRNO = 1227;
    END IF;
    IF NOT IFNULL(v_role IN ('createdb', 'superuser'), 0) THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'grantor: refused: unknown role', MYSQL_ERRNO = 1227;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ${META}.`grantable` WHERE role = v_role) THEN
      SET v_message = CONCAT('grantor: refused: role ', v_role,
                             ' is not grantable (config allowed-extra-user-roles)');
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message, MYSQL_ERRNO = 1227;
    END IF;
    IF v_role = 'createdb' THEN SET v_createdb = 1; ELSE SET v_superuser = 1; END IF;
  END WHILE;
  IF p_database IS NOT NULL AND NOT (
       IFNULL(${META}.`database_name_ok`(p_database), 0)
       AND EXISTS (SELECT 1 FROM ${META}.`databases`
                   WHERE name = p_database AND kind IN ('managed', 'adopted'))
       AND ${META}.`database_exists`(p_database)) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'grantor: the database does not exist or is neither managed nor adopted by this application',
      MYSQL_ERRNO = 1049;
  END IF;
  SET v_account = CONCAT(QUOTE(p_name), '@''%''');
  SET @grantor_sql = CONCAT('CREATE USER IF NOT EXISTS ', v_account, ${IDENTIFIED});
  ${EXECUTE}
  SET @grantor_sql = CONCAT('ALTER USER ', v_account, ${IDENTIFIED}, ' ACCOUNT UNLOCK');
  ${EXECUTE}
  IF NOT v_superuser AND EXISTS (
       SELECT 1 FROM information_schema.USER_PRIVILEGES
       WHERE GRANTEE = CONCAT('''', p_name, '''@''%''')
         AND (IS_GRANTABLE = 'YES'
              OR (PRIVILEGE_TYPE <> 'USAGE' AND NOT (v_createdb AND PRIVILEGE_TYPE = 'CREATE')))) THEN
    SET @grantor_sql = CONCAT('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ', v_account);
    ${EXECUTE}
  END IF;
  IF v_superuser THEN
    SET @grantor_sql = CONCAT('GRANT ALL PRIVILEGES ON *.* TO ', v_account, ' WITH GRANT OPTION');
    ${EXECUTE}
  ELSEIF v_createdb THEN
    SET @grantor_sql = CONCAT('GRANT CREATE ON *.* TO ', v_account);
    ${EXECUTE}
  END IF;
  IF p_database IS NOT NULL THEN
    SET @grantor_sql = CONCAT('GRANT ${DATABASE_PRIVILEGES} ON `',
      REPLACE(REPLACE(REPLACE(p_database, '`', '``'), '_', '\\_'), '%', '\\%'), '`.* TO ', v_account);
    ${EXECUTE}
  END IF;
  SET @grantor_sql = NULL;
END)";

constexpr std::string_view kSetPassword = R"(
(p_name ${TEXT}, p_auth ${TEXT})
MODIFIES SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: sets the password hash of relation user p_name'
BEGIN
  ${REFUSE_UNLESS_TENANT}
  ${REFUSE_UNLESS_AUTH}
  IF NOT EXISTS (SELECT 1 FROM mysql.user
                 WHERE Host = '%' AND CAST(User AS BINARY) = CAST(p_name AS BINARY)) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'grantor: no such user', MYSQL_ERRNO = 1133;
  END IF;
  SET @grantor_sql = CONCAT('ALTER USER ', QUOTE(p_name), '@''%''', ${IDENTIFIED});
  ${EXECUTE}
  SET @grantor_sql = NULL;
END)";

constexpr std::string_view kLockUser = R"(
(p_name ${TEXT})
MODIFIES SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: revocation, first step: relation user p_name can no longer log in, its sessions end'
BEGIN
  DECLARE v_id BIGINT UNSIGNED;
  DECLARE v_done TINYINT DEFAULT 0;
  DECLARE v_sessions CURSOR FOR
    SELECT ID FROM information_schema.PROCESSLIST
    WHERE CAST(USER AS BINARY) = CAST(p_name AS BINARY) AND ID <> CONNECTION_ID();
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;
  DECLARE CONTINUE HANDLER FOR 1094 BEGIN END;
  ${REFUSE_UNLESS_TENANT}
  SET @grantor_sql = CONCAT('ALTER USER IF EXISTS ', QUOTE(p_name), '@''%'' ACCOUNT LOCK');
  ${EXECUTE}
  SET @grantor_sql = NULL;
  OPEN v_sessions;
  sessions: LOOP
    FETCH v_sessions INTO v_id;
    IF v_done THEN LEAVE sessions; END IF;
    KILL CONNECTION v_id;
  END LOOP;
  CLOSE v_sessions;
END)";

constexpr std::string_view kDropUser = R"(
(p_name ${TEXT})
MODIFIES SQL DATA SQL SECURITY DEFINER
COMMENT 'grantor: revocation: locks relation user p_name, ends its sessions, drops it unless it is the DEFINER of stored objects'
BEGIN
  DECLARE v_count INT DEFAULT 0;
  DECLARE v_objects TEXT CHARACTER SET utf8mb4;
  DECLARE v_definer ${TEXT};
  DECLARE v_message VARCHAR(512) CHARACTER SET utf8mb4;
  CALL ${META}.`lock_user`(p_name);
  SET v_definer = CONCAT(p_name, '@%');
  SELECT COUNT(*), GROUP_CONCAT(CONCAT(LOWER(o.kind), ' ',
           REGEXP_REPLACE(CONCAT(o.object_schema, '.', o.object_name), '[^A-Za-z0-9_.$-]', '?'))
           ORDER BY o.object_schema, o.object_name SEPARATOR ', ')
    INTO v_count, v_objects
    FROM (${OBJECTS}) AS o;
  IF v_count > 0 THEN
    SET v_message = LEFT(CONCAT('grantor: user ', p_name, ' is the DEFINER of ', v_count,
                                ' stored object(s), which only the admin account can hand over: ',
                                v_objects), ${MESSAGE_LIMIT});
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message, MYSQL_ERRNO = 1227;
  END IF;
  SET @grantor_sql = CONCAT('DROP USER IF EXISTS ', QUOTE(p_name), '@''%''');
  ${EXECUTE}
  SET @grantor_sql = NULL;
END)";

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string SameRoutine(std::string_view shown, std::string_view recorded) {
  const std::string s(shown);
  const std::string r(recorded);
  return s + ".CREATED = " + r + ".created AND " + s + ".LAST_ALTERED = " + r +
         ".last_altered AND CAST(" + s + ".DEFINER AS BINARY) = CAST(" + r +
         ".definer AS BINARY) AND " + s + ".SECURITY_TYPE = 'DEFINER'";
}

}  // namespace

ServerApi::ServerApi(std::string instance_prefix, Flavour flavour)
    : prefix_(std::move(instance_prefix)),
      flavour_(flavour),
      database_(prefix_ + "meta"),
      quoted_(QuoteIdentifier(database_)) {
  Add("routine_digest", "FUNCTION", kRoutineDigest);
  Add("chars_in", "FUNCTION", kCharsIn);
  Add("is_tenant", "FUNCTION", kIsTenant);
  Add("database_name_ok", "FUNCTION", kDatabaseNameOk);
  Add("auth_ok", "FUNCTION", kAuthOk);
  Add("database_exists", "FUNCTION", kDatabaseExists);
  Add("user_exists", "FUNCTION", kUserExists);
  Add("list_users", "PROCEDURE", kListUsers);
  Add("create_database", "PROCEDURE", kCreateDatabase);
  Add("ensure_user", "PROCEDURE", kEnsureUser);
  Add("set_password", "PROCEDURE", kSetPassword);
  Add("lock_user", "PROCEDURE", kLockUser);
  Add("drop_user", "PROCEDURE", kDropUser);
}

std::string ServerApi::Qualified(std::string_view object) const {
  return quoted_ + "." + QuoteIdentifier(object);
}

std::string ServerApi::Expand(std::string_view text) const {
  const bool mysql = flavour_ == Flavour::kMySql;
  const std::map<std::string, std::string> values = {
      {"${REFUSE_UNLESS_TENANT}", std::string(kRefuseUnlessTenant)},
      {"${REFUSE_UNLESS_AUTH}", std::string(kRefuseUnlessAuth)},
      {"${EXECUTE}", std::string(kExecute)},
      {"${OBJECTS}", DefinedObjectsQuery("v_definer")},
      {"${ROUTINE_SHA}", std::string(kRoutineSha)},
      {"${ROUTINES}", std::string(kRoutinesWithParameters)},
      {"${META}", quoted_},
      {"${META_NAME}", SqlString(database_)},
      {"${PREFIX}", SqlString(prefix_)},
      {"${PREFIX_LENGTH}", std::to_string(prefix_.size())},
      {"${TEXT}", std::string(kText)},
      {"${ALNUM}", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"},
      {"${DATABASE_PRIVILEGES}", DatabasePrivilegeList()},
      {"${MESSAGE_LIMIT}", std::to_string(mysql ? kMySqlMessageLimit : kMariaDbMessageLimit)},
      // MariaDB takes the hash as it is; MySQL 8 names the plugin the hash belongs to.
      {"${IDENTIFIED}", mysql ? "' IDENTIFIED WITH mysql_native_password AS ', QUOTE(p_auth)"
                              : "' IDENTIFIED BY PASSWORD ', QUOTE(p_auth)"},
  };
  std::string out(text);
  // The snippets hold placeholders of their own: expand them first, in this order.
  for (const char* key : {"${REFUSE_UNLESS_TENANT}", "${REFUSE_UNLESS_AUTH}", "${EXECUTE}",
                          "${OBJECTS}", "${ROUTINE_SHA}", "${ROUTINES}"}) {
    out = Replace(std::move(out), key, values.at(key));
  }
  for (const auto& [key, value] : values) out = Replace(std::move(out), key, value);
  return out;
}

void ServerApi::Add(std::string name, std::string type, std::string_view signature_and_body) {
  std::string create = "CREATE DEFINER = CURRENT_USER " + type + " " + Qualified(name) +
                       Expand(signature_and_body);
  std::string source = Sha256Hex(create);
  routines_.push_back(Routine{std::move(name), std::move(type), std::move(create), std::move(source)});
}

std::vector<std::string> ServerApi::BookkeepingDdl() const {
  std::string databases = "CREATE TABLE IF NOT EXISTS " + Qualified("databases") +
                          " (name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY,"
                          " kind VARCHAR(16) NOT NULL,"
                          " recorded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP";
  for (const auto& [column, definition] : kNewDatabaseColumns) {
    databases += ", " + column + " " + definition;
  }
  databases += ")";
  return {
      "CREATE DATABASE IF NOT EXISTS " + quoted_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
      std::move(databases),
      "CREATE TABLE IF NOT EXISTS " + Qualified("grantable") +
          " (role VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY)",
      "CREATE TABLE IF NOT EXISTS " + Qualified("api") +
          " (routine VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY,"
          " type VARCHAR(16) NOT NULL, version INT NOT NULL, source CHAR(64) NOT NULL,"
          " digest CHAR(64) NOT NULL, created DATETIME NOT NULL, last_altered DATETIME NOT NULL,"
          " definer VARCHAR(400) NOT NULL)",
  };
}

std::vector<std::pair<std::string, std::string>> ServerApi::DatabaseColumns() const {
  return kNewDatabaseColumns;
}

// Per recorded routine: its version and source, and whether what the operator sees of it
// (information_schema.ROUTINES: CREATED, LAST_ALTERED, DEFINER, SQL SECURITY) is as recorded;
// on every row, whether the digest of all definitions matches the recorded digests. The digest
// function is called once, and only when its own record holds (else an impostor could vouch).
std::string ServerApi::CheckQuery() const {
  const std::string meta_name = SqlString(database_);
  const std::string trusted =
      "EXISTS (SELECT 1 FROM " + Qualified("api") + " d JOIN information_schema.ROUTINES f"
      " ON f.ROUTINE_SCHEMA = " + meta_name +
      " AND f.ROUTINE_NAME = d.routine AND f.ROUTINE_TYPE = d.type"
      " WHERE d.routine = 'routine_digest' AND " + SameRoutine("f", "d") + ")";
  const std::string recorded = "(SELECT SHA2(GROUP_CONCAT(x.digest ORDER BY CAST(x.routine AS "
                               "BINARY), x.type SEPARATOR ','), 256) FROM " +
                               Qualified("api") + " x)";
  return "SELECT a.routine, a.version, a.source, r.ROUTINE_NAME IS NOT NULL AND " +
         SameRoutine("r", "a") + ", g.digests FROM " + Qualified("api") +
         " a LEFT JOIN information_schema.ROUTINES r ON r.ROUTINE_SCHEMA = " + meta_name +
         " AND r.ROUTINE_NAME = a.routine AND r.ROUTINE_TYPE = a.type"
         " CROSS JOIN (SELECT CASE WHEN " + trusted + " THEN " + Qualified("routine_digest") +
         "(NULL) <=> " + recorded + " ELSE 0 END AS digests) AS g";
}

std::string ServerApi::AlteredQuery() const {
  return "SELECT a.type, a.routine FROM " + Qualified("api") + " a WHERE NOT (" +
         Qualified("routine_digest") + "(a.routine) <=> a.digest) UNION ALL"
         " SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES"
         " WHERE ROUTINE_SCHEMA = " + SqlString(database_) +
         " AND ROUTINE_NAME NOT IN (SELECT routine FROM " + Qualified("api") + ")";
}

bool ServerApi::DefinitionsDiffer(const Rows& check_rows) {
  return !check_rows.empty() && check_rows[0].size() > 4 && check_rows[0][4] != "1";
}

std::vector<std::string> ServerApi::Problems(const Rows& check_rows, const Rows* altered) const {
  struct Recorded {
    std::string version;
    std::string source;
    bool shown = false;
  };
  std::map<std::string, Recorded> recorded;
  for (const auto& row : check_rows) {
    if (row.size() < 5) continue;
    recorded[row[0]] = Recorded{row[1], row[2], row[3] == "1"};
  }
  std::vector<std::string> problems;
  std::set<std::string> versions;
  for (const auto& routine : routines_) {
    const std::string what = (routine.type == "FUNCTION" ? "function " : "procedure ") + routine.name;
    const auto it = recorded.find(routine.name);
    if (it == recorded.end()) {
      problems.push_back(what + " missing");
      continue;
    }
    if (it->second.version != std::to_string(kServerApiVersion)) {
      versions.insert(it->second.version);
    } else if (it->second.source != routine.source) {
      problems.push_back(what + " installed by another build");
    } else if (!it->second.shown) {
      problems.push_back(what + " altered");
    }
  }
  for (const auto& version : versions) {
    problems.push_back("server-side procedures are version " + version + ", expected " +
                       std::to_string(kServerApiVersion));
  }
  // The digests name what else differs: every routine when nothing was named yet, the routines
  // added by hand otherwise (whether a routine's timestamps still match depends on the second it
  // was altered in, so an added routine must not depend on them).
  if (DefinitionsDiffer(check_rows)) {
    const bool named_already = !problems.empty();
    for (const auto& row : altered != nullptr ? *altered : Rows{}) {
      if (row.size() < 2) continue;
      const bool known = std::any_of(routines_.begin(), routines_.end(),
                                     [&](const Routine& r) { return r.name == row[1]; });
      if (named_already && known) continue;
      const std::string type = row[0] == "FUNCTION" ? "function " : "procedure ";
      std::string line = type + core::Printable(row[1]) + (known ? " altered" : " added");
      if (std::find(problems.begin(), problems.end(), line) == problems.end()) {
        problems.push_back(std::move(line));
      }
    }
    if (problems.empty()) problems.emplace_back("a routine's definition altered");
  }
  return problems;
}

std::string ServerApi::RecordQuery(const Routine& routine) const {
  return "REPLACE INTO " + Qualified("api") +
         " (routine, type, version, source, digest, created, last_altered, definer)"
         " SELECT ROUTINE_NAME, ROUTINE_TYPE, " +
         std::to_string(kServerApiVersion) + ", " + SqlString(routine.source) + ", " +
         Qualified("routine_digest") +
         "(ROUTINE_NAME), CREATED, LAST_ALTERED, DEFINER FROM information_schema.ROUTINES"
         " WHERE ROUTINE_SCHEMA = " +
         SqlString(database_) + " AND ROUTINE_NAME = " + SqlString(routine.name) +
         " AND ROUTINE_TYPE = " + SqlString(routine.type);
}

std::string DefinedObjectsQuery(std::string_view definer) {
  const std::string match = " WHERE CAST(DEFINER AS BINARY) = CAST(" + std::string(definer) +
                            " AS BINARY)";
  return "SELECT 'VIEW' AS kind, TABLE_SCHEMA AS object_schema, TABLE_NAME AS object_name,"
         " '' AS sql_mode, '' AS on_completion FROM information_schema.VIEWS" +
         match +
         " UNION ALL SELECT ROUTINE_TYPE, ROUTINE_SCHEMA, ROUTINE_NAME, SQL_MODE, ''"
         " FROM information_schema.ROUTINES" +
         match +
         " UNION ALL SELECT 'TRIGGER', TRIGGER_SCHEMA, TRIGGER_NAME, SQL_MODE, ''"
         " FROM information_schema.TRIGGERS" +
         match +
         " UNION ALL SELECT 'EVENT', EVENT_SCHEMA, EVENT_NAME, SQL_MODE, ON_COMPLETION"
         " FROM information_schema.EVENTS" +
         match;
}

}  // namespace grantor::db::mysql
