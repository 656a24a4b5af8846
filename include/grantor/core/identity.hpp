#pragma once
// Names grantor gives to what it creates on a database server. A server may be shared by
// several grantor applications in several models, so every name carries an instance tag
// derived from the model UUID and the application name; relation ids alone would collide.

#include <optional>
#include <string>

namespace grantor::core {

class InstanceNames {
 public:
  /// `model_uuid` and `app` identify this grantor application; the tag is a stable 10-hex-digit
  /// FNV-1a digest of both, so names stay short (MySQL user names: 32 characters at most).
  InstanceNames(const std::string& model_uuid, const std::string& app);

  /// "grantor_<tag>_": every user this application creates starts with it.
  const std::string& prefix() const { return prefix_; }
  /// The charm's own internal user: "grantor_<tag>_operator" (27 characters).
  std::string OperatorUser() const { return prefix_ + "operator"; }
  /// The first login user of relation `relation_id`: "grantor_<tag>_r<id>".
  std::string RelationUser(int relation_id) const;
  /// The second one, that takes turns with the first on each rotation: "grantor_<tag>_r<id>b"
  /// (31 characters at most: within MySQL's 32).
  std::string RelationUserB(int relation_id) const;
  /// The relation id encoded in a user this application created, if it is a relation user
  /// (either of the two).
  std::optional<int> RelationIdOfUser(const std::string& user) const;

 private:
  std::string prefix_;
};

/// 64-bit FNV-1a of `text`, rendered as `digits` lower-case hex digits (at most 16).
std::string ShortDigest(const std::string& text, int digits);

}  // namespace grantor::core
