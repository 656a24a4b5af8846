#include "hostile_corpus.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace grantor::e2e::hostile {
namespace {

using namespace std::string_literals;  // "..."s keeps embedded NUL bytes

constexpr std::size_t kTenKiB = 10 * 1024;
constexpr std::size_t kOneMiB = 1024 * 1024;

// Patterns shared by the free-text fields (database names, roles, extensions): "{m}" is the
// value's marker. Each is refused in any of those fields.
const std::vector<std::string>& InjectionPatterns() {
  // Ordered so that any prefix mixes the families: quotes, statement separators, escapes,
  // control bytes, look-alike Unicode, patterns, then the rest.
  static const std::vector<std::string> kPatterns{
      "{m}';DROP ROLE grantor_admin_test;--",
      "{m}\";DROP ROLE grantor_admin_test;--",
      "{m}`;DROP DATABASE mysql;--",
      "{m}\\",
      "{m}\0"s,
      "{m}\nx",
      "sh\u043ep{m}",  // Cyrillic o
      "{m}%",
      "{m}; DROP DATABASE postgres",
      "{m}' OR '1'='1",
      "\\{m}",
      "\0{m}"s,
      "{m}\x1b[31m",
      "\uff33{m}",  // fullwidth S
      "{m}\u200b",  // zero-width space
      "{m}*",
      "{m}'",
      "{m}\"",
      "{m}`",
      "{m}\\'",
      "{m}\tx",
      "{m}\rx",
      "{m}\u202e",  // right-to-left override
      "{m}.*",
      "{m}\x7f",
      "{m}\x01",
      "{m}\x0b",
      "{m}\u00a0",  // no-break space
      "{m}\u2028",  // line separator
      "{m}\u0085",  // next line
      "\ufeff{m}",  // byte order mark
      "{m}e\u0301",  // combining acute accent
      "\u212a{m}",  // Kelvin sign
      "\u0130{m}",  // Turkish dotted capital I
      "%{m}",
      "*.{m}",
      "{m}\\x27",
      "{m}/*",
      "*/{m}",
      "{m}$$",
      "$1{m}",
      "{m}?",
      "{m} shop",
      " {m}",
      "{m} ",
      "-{m}",
      "../{m}",
      "{m}/..",
      "{m}@evil:5432",
      "{m}?sslmode=disable",
      "host=evil dbname={m}",
      "${{m}}",
      "$({m})",
      "%s%n{m}",
      "{{m}}",
  };
  return kPatterns;
}

// Invalid UTF-8 goes as a relation-set argument (YAML cannot carry it).
const std::vector<std::string>& InvalidUtf8Patterns() {
  static const std::vector<std::string> kPatterns{
      "{m}\xff",
      "{m}\xc0\xaf",          // overlong '/'
      "{m}\xed\xa0\x80",      // a UTF-16 surrogate
      "{m}\xf8\x88\x80\x80",  // a 5-byte form
      "\xfe{m}",
  };
  return kPatterns;
}

std::string Repeat(const std::string& unit, std::size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

// Appends one UTF-8 code point as a YAML escape.
void AppendEscape(std::uint32_t code_point, std::string* out) {
  char buffer[16];
  if (code_point == 0) {
    *out += "\\0";
  } else if (code_point <= 0xff) {
    std::snprintf(buffer, sizeof(buffer), "\\x%02x", static_cast<unsigned>(code_point));
    *out += buffer;
  } else if (code_point <= 0xffff) {
    std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(code_point));
    *out += buffer;
  } else {
    std::snprintf(buffer, sizeof(buffer), "\\U%08x", static_cast<unsigned>(code_point));
    *out += buffer;
  }
}

// Decodes the code point starting at text[*i] (valid UTF-8) and advances *i past it.
std::uint32_t NextCodePoint(const std::string& text, std::size_t* i) {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text.at(at)); };
  const unsigned char lead = byte(*i);
  int length = 1;
  std::uint32_t code_point = lead;
  if (lead >= 0xf0) {
    length = 4;
    code_point = lead & 0x07;
  } else if (lead >= 0xe0) {
    length = 3;
    code_point = lead & 0x0f;
  } else if (lead >= 0xc0) {
    length = 2;
    code_point = lead & 0x1f;
  } else if (lead >= 0x80) {
    throw std::invalid_argument("YamlQuoted needs valid UTF-8");
  }
  for (int k = 1; k < length; ++k) code_point = (code_point << 6) | (byte(*i + k) & 0x3f);
  *i += length;
  return code_point;
}

}  // namespace

Value Corpus::Make(const std::string& pattern, Transport transport) {
  Value value;
  value.transport = transport;
  value.text = pattern;
  if (pattern.find("{m}") == std::string::npos) return value;
  char marker[16];
  std::snprintf(marker, sizeof(marker), "hz%c%03d", tag_, next_++);
  value.marker = marker;
  for (auto at = value.text.find("{m}"); at != std::string::npos; at = value.text.find("{m}")) {
    value.text.replace(at, 3, value.marker);
  }
  return value;
}

Value Corpus::MakeDuplicate(const std::string& first, const std::string& pattern) {
  Value value = Make(pattern);
  value.duplicate_first = first;
  return value;
}

std::vector<Value> Corpus::MakeAll(const std::vector<std::string>& patterns, std::size_t count) {
  std::vector<Value> values;
  for (std::size_t i = 0; i < patterns.size() && i < count; ++i) {
    values.push_back(Make(patterns[i]));
  }
  for (const auto& pattern : InvalidUtf8Patterns()) {
    values.push_back(Make(pattern, Transport::kArgv));
  }
  return values;
}

std::vector<Value> Corpus::DatabaseNames() {
  std::vector<Value> values = MakeAll(InjectionPatterns(), 30);
  const std::vector<std::string> reserved =
      mysql_ ? std::vector<std::string>{"mysql", "MySQL", "sys", "SYS", "information_schema",
                                        "INFORMATION_SCHEMA", "performance_schema",
                                        "Performance_Schema"}
             : std::vector<std::string>{"postgres", "POSTGRES", "Postgres", "template0",
                                        "template1", "TEMPLATE1", "Template0"};
  for (const auto& name : reserved) values.push_back(Make(name));
  for (const char* pattern : {"*", "%", "%%", "*.*", "_%", "?", "p\u043estgres", "my\u0455ql"}) {
    values.push_back(Make(pattern));
  }
  values.push_back(Make("{m}" + std::string(64, 'a')));  // 69 bytes: too long for both engines
  values.push_back(Make("{m}" + std::string(kTenKiB, 'a')));
  values.push_back(Make("{m}" + std::string(kOneMiB, 'b')));
  if (mysql_) values.push_back(Make("{m}.shop"));  // '.' is not allowed in MySQL names
  values.push_back(MakeDuplicate("x\";DROP ROLE grantor_admin_test;--", "{m}';--"));
  return values;
}

std::vector<Value> Corpus::ExtraUserRoles() {
  std::vector<Value> values = MakeAll(InjectionPatterns(), 8);
  for (const char* role :
       {"pg_read_server_files", "pg_write_server_files", "pg_execute_server_program",
        "pg_monitor", "pg_read_all_data", "pg_write_all_data", "rds_superuser",
        "cloudsqlsuperuser", "replication", "bypassrls", "postgres", "public", "grantor_admin",
        "root", "mysql.sys", "'root'@'%'", "super", "file", "process", "grant option", "all",
        "*", "%", "*.*", "admin createdb", "admin;createdb", "admin|createdb", "superuser2",
        "createdb,{m}", "[\"admin\"]", "{\"admin\":true}", "true", "null", "\u0430dmin",
        "\uff41dmin", "admin\u200b", "superuse\u0433"}) {
    values.push_back(Make(role));
  }
  values.push_back(Make("{m}," + Repeat("x,", kTenKiB)));
  values.push_back(Make(Repeat("y", kOneMiB) + "{m}"));
  values.push_back(MakeDuplicate("superuser;--", "{m},createdb"));
  return values;
}

std::vector<Value> Corpus::RequestedSecrets() {
  std::vector<Value> values;
  for (const char* json :
       {"username", "\"username\"", "{\"username\":true}", "{\"username\":1,\"username\":2}",
        "123", "true", "false", "null", "1.5", "[1]", "[null]", "[true]", "[[\"username\"]]",
        "[{\"field\":\"password\"}]", "[\"Username\"]", "[\"USERNAME\"]", "[\"user name\"]",
        "[\"user_name\"]", "[\"user.name\"]", "[\"password;{m}\"]", "[\"{m}'\"]",
        "[\"../{m}\"]", "[\"\"]", "[\"{m}\\u0000\"]", "[\"p\\u0430ssword\"]",
        "[\"username\",]", "[\"username\" \"password\"]", "[\"username\"]x", "[] []", "NaN",
        "[1e400]", "[\"username\"", "[", "]", "[\"username\",\"{m}1\"]", "['username']",
        "/*c*/[\"username\"]", "[\"username\"] // c", "[\"username\"]{m}",
        "[\"tls-ca\",\"{m}\\n\"]", "[\"username\",{\"username\":\"password\"}]",
        "[\"\u0443sername\"]", "[\"username\u200b\"]", "{\"requested-secrets\":[\"username\"]}",
        "[\"username\",\"password\",\"uris\",\"{m}!\"]"}) {
    values.push_back(Make(json));
  }
  values.push_back(Make("[\"username\"]\0"s));
  values.push_back(Make("[\"username\",\"{m}\xff\"]", Transport::kArgv));
  values.push_back(Make("\xff[\"username\"]", Transport::kArgv));
  values.push_back(Make("[\"{m}\"]\xc0", Transport::kArgv));
  values.push_back(Make(Repeat("[", kTenKiB)));
  values.push_back(Make("[" + Repeat("\"username\",", kTenKiB) + "\"{m}!\"]"));
  values.push_back(Make("[" + Repeat("\"password\",", kOneMiB) + "\"{m}#\"]"));
  values.push_back(Make(Repeat("[", kOneMiB)));
  values.push_back(MakeDuplicate("[\"username;--\"]", "[\"{m}_\"]"));
  return values;
}

std::vector<Value> Corpus::ExternalNodeConnectivity() {
  std::vector<Value> values;
  for (const std::string& flag :
       {"TRUE"s, "True"s, "FALSE"s, "False"s, "yes"s, "no"s, "on"s, "off"s, "1"s, "0"s, "-1"s,
        "t"s, "f"s, "y"s, "tru"s, "truee"s, "true "s, " true"s, "true\n"s, "true\t"s, "true\0"s,
        "\0true"s, "\"true\""s, "'true'"s, "[true]"s, "{\"true\":1}"s, "null"s, "nil"s, "none"s,
        "true,false"s, "true;false"s, "true;{m}"s, "{m}"s, "true{m}"s, "\uff54\uff52\uff55\uff45"s,
        "tru\u0435"s, "true\u200b"s, "1e0"s, "0x1"s, "enabled"s, "True\r"s, "T"s, "YES"s, "%"s,
        "*"s, "true'--{m}"s, "false\";{m}"s, "{m}`"s, "\\true"s, "true\\"s}) {
    values.push_back(Make(flag));
  }
  values.push_back(Make("true{m}\xff", Transport::kArgv));
  values.push_back(Make("\xfe" "false{m}", Transport::kArgv));
  values.push_back(Make(Repeat("true", kTenKiB) + "{m}"));
  values.push_back(Make(Repeat("false", kOneMiB) + "{m}"));
  values.push_back(MakeDuplicate("maybe", "{m}true"));
  return values;
}

std::vector<Value> Corpus::Extensions() {
  std::vector<Value> values = MakeAll(InjectionPatterns(), 24);
  for (const char* extension :
       {"pg_trgm", "postgis", "plpython3u", "plperlu", "adminpack", "file_fdw", "dblink",
        "postgres_fdw", "pg_stat_statements", "lo", "pgcrypto", "hstore", "uuid-ossp",
        "pg_trgm,postgis", "plpython3u;CREATE EXTENSION adminpack", "*", "%", "true", "[]",
        "{}", "null", "{\"pg_trgm\":true}"}) {
    values.push_back(Make(extension));
  }
  values.push_back(Make("{m}:" + Repeat("pg_trgm,", kTenKiB)));
  values.push_back(Make(Repeat("plpython3u,", kOneMiB) + "{m}"));
  return values;
}

std::string YamlQuoted(const std::string& text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(c);
      ++i;
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
      ++i;
    } else {
      AppendEscape(NextCodePoint(text, &i), &out);
    }
  }
  return out + "\"";
}

}  // namespace grantor::e2e::hostile
