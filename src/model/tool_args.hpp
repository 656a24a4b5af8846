#pragma once
// Command-line parsing for the hook tools, compatible with juju/gnuflag as juju/cmd drives it
// (docs/juju.md, "Hook tools the charms use"): GNU-style long (--name, --name=value) and short
// (-r 3, -r3, -r=X giving "=X") options, clustered short bool options, options interspersed with positionals,
// `--` ending options, and Juju's "option" wording in every error.

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace grantor::model {

/// A failed tool invocation: usage errors (flags, Init) use exit code 2, runtime errors 1.
/// what() is the message printed after "ERROR ".
class ToolError : public std::runtime_error {
 public:
  ToolError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

/// Usage error (exit 2).
ToolError UsageError(const std::string& message);
/// Runtime error (exit 1).
ToolError RunError(const std::string& message);

/// Thrown by an option's setter to reject a value; the parser wraps the reason into
/// `invalid value "<v>" for option -x: <reason>`.
class InvalidOptionValue : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Go's strconv.ParseBool. Returns false for anything else.
bool ParseGoBool(const std::string& text, bool* out);

/// Quotes like Go's %q for the plain strings the tools print (\" \\ and control characters).
std::string GoQuote(const std::string& text);

/// The options of one tool. Names of one character are short options (-x), longer names are
/// long options (--name); several names may share one option (e.g. "r" and "relation").
class FlagSet {
 public:
  /// An option taking a value; `set` may throw InvalidOptionValue.
  void AddValue(const std::vector<std::string>& names, std::function<void(const std::string&)> set);
  /// Convenience: an option storing its value in *target.
  void AddString(const std::vector<std::string>& names, std::string* target);
  /// A boolean option: present means true; `--name=<ParseBool value>` sets it explicitly.
  void AddBool(const std::vector<std::string>& names, bool* target);

  /// Parses `args`, calling setters in order, and returns the positional arguments.
  /// Throws ToolError (exit 2) with gnuflag's message on any error. `-h`/`--help` (when not
  /// defined as options) stop parsing and make help_requested() true.
  std::vector<std::string> Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  /// True when the option with this name (any of its names) appeared on the command line.
  bool WasSet(const std::string& name) const;

 private:
  struct Option {
    bool is_bool = false;
    std::function<void(const std::string&)> set;
    bool seen = false;
  };

  /// Handles one option occurrence. `inline_value` is the text after '=' (long) or the rest of
  /// the cluster (short); `remaining` supplies the next argument for options needing a value.
  void Apply(const std::string& name, bool has_inline, const std::string& inline_value,
             const std::vector<std::string>& args, std::size_t* next);
  void Register(const std::vector<std::string>& names, std::shared_ptr<Option> option);

  std::map<std::string, std::shared_ptr<Option>> options_;
  bool help_requested_ = false;
};

/// "-x" for a short name, "--name" for a long one, as gnuflag prints option names.
std::string OptionWithDashes(const std::string& name);

}  // namespace grantor::model
