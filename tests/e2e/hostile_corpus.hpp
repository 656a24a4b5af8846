#pragma once
// The hostile corpus of tests/e2e/hostile_e2e_test.cpp: values a remote application may write
// in its application databag, per field, meant to be refused whatever the trust model (none of
// them is a request grantor may serve).
//
// What can travel, and how the test sends it:
//  - relation-set --file (YAML, here double-quoted with escapes): any valid UTF-8, control
//    characters and NUL included (YAML's "\0" escape; the JSON API carries it as \u0000; the
//    local model stores it; whether a real controller's store keeps it is not checked here: if
//    not, such a value never reaches the provider at all), values of 1 MiB, and a key written
//    twice (the parser keeps one of the two values);
//  - relation-set key=value arguments: invalid UTF-8 (YAML refuses it); Juju's JSON API turns
//    each invalid sequence into U+FFFD, which is what the provider then reads. NUL cannot be an
//    argument, and nothing over 128 KiB can.

#include <string>
#include <vector>

namespace grantor::e2e::hostile {

enum class Transport { kYaml, kArgv };

struct Value {
  std::string text;  // as the requirer writes it
  Transport transport = Transport::kYaml;
  /// A token ("hzp017") the value carries: it must never reach the server. Empty for values
  /// that cannot carry one (reserved names, patterns, JSON of the wrong type).
  std::string marker;
  /// Not empty: the YAML file names the key twice, this value first and `text` second.
  std::string duplicate_first;
};

/// Hands out unique markers ("hz" + tag + a counter) and expands "{m}" in patterns.
class Corpus {
 public:
  /// `tag` is one letter per engine, so markers differ between the engines' runs.
  Corpus(char tag, bool mysql) : tag_(tag), mysql_(mysql) {}

  /// Database names for the `database` field and the legacy `database` field: quotes,
  /// semicolons, backslashes, NUL and control bytes, invalid UTF-8, look-alike Unicode, names too
  /// long (including 10 KiB and 1 MiB), the engine's reserved and system names, patterns.
  std::vector<Value> DatabaseNames();
  /// extra-user-roles values (and the legacy `roles` field): roles outside the documented set,
  /// the engine's powerful built-in roles and privileges, injection, JSON of the wrong type.
  std::vector<Value> ExtraUserRoles();
  /// requested-secrets values: not a JSON list of [a-z-] names.
  std::vector<Value> RequestedSecrets();
  /// external-node-connectivity values: neither "true" nor "false".
  std::vector<Value> ExternalNodeConnectivity();
  /// Legacy `extensions` values: any request is refused; trusted-looking names included.
  std::vector<Value> Extensions();

 private:
  Value Make(const std::string& pattern, Transport transport = Transport::kYaml);
  /// A value whose key the YAML file names twice: `first`, then `pattern` expanded.
  Value MakeDuplicate(const std::string& first, const std::string& pattern);
  /// The first `count` patterns, then every invalid UTF-8 pattern (as arguments).
  std::vector<Value> MakeAll(const std::vector<std::string>& patterns, std::size_t count);

  char tag_;
  bool mysql_;
  int next_ = 0;
};

/// `text` (valid UTF-8) as a YAML double-quoted scalar in which every character outside
/// printable ASCII is escaped, so that the file survives any content.
std::string YamlQuoted(const std::string& text);

}  // namespace grantor::e2e::hostile
