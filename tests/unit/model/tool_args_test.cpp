// The gnuflag-compatible option parser (docs/juju.md, "Hook tools the charms use").

#include "model/tool_args.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grantor::model {
namespace {

using Args = std::vector<std::string>;

/// The options most tools share: -r/--relation (value), --app (bool), --format (value).
class ToolArgsTest : public ::testing::Test {
 protected:
  ToolArgsTest() {
    flags_.AddString({"r", "relation"}, &relation_);
    flags_.AddBool({"app"}, &app_);
    flags_.AddBool({"a"}, &short_bool_);
    flags_.AddString({"format"}, &format_);
  }

  /// The usage error text Parse throws for `args`, or "" when it succeeds.
  std::string ErrorFor(const Args& args) {
    try {
      flags_.Parse(args);
    } catch (const ToolError& e) {
      EXPECT_EQ(e.exit_code(), 2);
      return e.what();
    }
    return "";
  }

  FlagSet flags_;
  std::string relation_;
  bool app_ = false;
  bool short_bool_ = false;
  std::string format_;
};

TEST_F(ToolArgsTest, LongOptionTakesNextArgumentOrInlineValue) {
  EXPECT_EQ(flags_.Parse({"--format", "json"}), Args{});
  EXPECT_EQ(format_, "json");
  FlagSet again;
  std::string format;
  again.AddString({"format"}, &format);
  again.Parse({"--format=yaml"});
  EXPECT_EQ(format, "yaml");
}

TEST_F(ToolArgsTest, ShortOptionTakesNextArgumentOrAttachedRest) {
  flags_.Parse({"-r", "3"});
  EXPECT_EQ(relation_, "3");
  flags_.Parse({"-rdb:4"});
  EXPECT_EQ(relation_, "db:4");
}

TEST_F(ToolArgsTest, ShortOptionWithEqualsKeepsTheEqualsSign) {
  flags_.Parse({"-r=db:3"});
  EXPECT_EQ(relation_, "=db:3");
}

TEST_F(ToolArgsTest, LongNameOfAShortOptionWorks) {
  flags_.Parse({"--relation", "7"});
  EXPECT_EQ(relation_, "7");
  EXPECT_TRUE(flags_.WasSet("r"));
}

TEST_F(ToolArgsTest, OptionsMayBeInterspersedWithPositionals) {
  const Args positionals = flags_.Parse({"-", "app/0", "--app", "--format=json", "extra"});
  EXPECT_EQ(positionals, (Args{"-", "app/0", "extra"}));
  EXPECT_TRUE(app_);
  EXPECT_EQ(format_, "json");
}

TEST_F(ToolArgsTest, DoubleDashEndsOptions) {
  const Args positionals = flags_.Parse({"--app", "--", "--format", "-r", "x"});
  EXPECT_EQ(positionals, (Args{"--format", "-r", "x"}));
  EXPECT_TRUE(app_);
  EXPECT_EQ(format_, "");
}

TEST_F(ToolArgsTest, EmptyStringAndLoneDashArePositional) {
  EXPECT_EQ(flags_.Parse({"", "-"}), (Args{"", "-"}));
}

TEST_F(ToolArgsTest, BoolOptionTakesNoArgument) {
  const Args positionals = flags_.Parse({"--app", "false"});
  EXPECT_TRUE(app_);
  EXPECT_EQ(positionals, Args{"false"});
}

TEST_F(ToolArgsTest, BoolOptionAcceptsGoParseBoolValuesInline) {
  for (const char* text : {"1", "t", "T", "TRUE", "true", "True"}) {
    app_ = false;
    flags_.Parse({std::string("--app=") + text});
    EXPECT_TRUE(app_) << text;
  }
  for (const char* text : {"0", "f", "F", "FALSE", "false", "False"}) {
    app_ = true;
    flags_.Parse({std::string("--app=") + text});
    EXPECT_FALSE(app_) << text;
  }
}

TEST_F(ToolArgsTest, BoolOptionRejectsOtherValues) {
  EXPECT_EQ(ErrorFor({"--app=yes"}),
            "invalid boolean value \"yes\" for option --app: strconv.ParseBool: parsing \"yes\": "
            "invalid syntax");
}

TEST_F(ToolArgsTest, ShortBoolsCluster) {
  flags_.Parse({"-ar", "5"});
  EXPECT_TRUE(short_bool_);
  EXPECT_EQ(relation_, "5");
}

TEST_F(ToolArgsTest, UnknownOptionsUseJujuWording) {
  EXPECT_EQ(ErrorFor({"--xyz"}), "option provided but not defined: --xyz");
  EXPECT_EQ(ErrorFor({"-x"}), "option provided but not defined: -x");
  EXPECT_EQ(ErrorFor({"--xyz=1"}), "option provided but not defined: --xyz");
}

TEST_F(ToolArgsTest, SingleDashLongNameIsAClusterOfShortOptions) {
  EXPECT_EQ(ErrorFor({"-format", "json"}), "option provided but not defined: -f");
}

TEST_F(ToolArgsTest, MissingValueUsesJujuWording) {
  EXPECT_EQ(ErrorFor({"--format"}), "option needs an argument: --format");
  EXPECT_EQ(ErrorFor({"-r"}), "option needs an argument: -r");
}

TEST_F(ToolArgsTest, SetterRejectionNamesTheValueAndOption) {
  FlagSet flags;
  flags.AddValue({"r", "relation"}, [](const std::string&) {
    throw InvalidOptionValue("relation not found");
  });
  try {
    flags.Parse({"-r", "db:9"});
    FAIL() << "expected a usage error";
  } catch (const ToolError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_STREQ(e.what(), "invalid value \"db:9\" for option -r: relation not found");
  }
  try {
    flags.Parse({"--relation=9"});
    FAIL() << "expected a usage error";
  } catch (const ToolError& e) {
    EXPECT_STREQ(e.what(), "invalid value \"9\" for option --relation: relation not found");
  }
}

TEST_F(ToolArgsTest, BadSyntaxIsRejected) {
  EXPECT_EQ(ErrorFor({"---x"}), "bad flag syntax: ---x");
  EXPECT_EQ(ErrorFor({"--=x"}), "bad flag syntax: --=x");
}

TEST_F(ToolArgsTest, HelpIsReportedWhenNotDefined) {
  flags_.Parse({"--help"});
  EXPECT_TRUE(flags_.help_requested());
  FlagSet other;
  other.Parse({"-h"});
  EXPECT_TRUE(other.help_requested());
}

TEST_F(ToolArgsTest, WasSetOnlyForOptionsPresent) {
  flags_.Parse({"--format", "json"});
  EXPECT_TRUE(flags_.WasSet("format"));
  EXPECT_FALSE(flags_.WasSet("app"));
  EXPECT_FALSE(flags_.WasSet("relation"));
}

TEST(ToolArgsHelpersTest, GoQuoteEscapesLikeGo) {
  EXPECT_EQ(GoQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(GoQuote(""), "\"\"");
}

TEST(ToolArgsHelpersTest, ParseGoBoolRejectsNonGoSpellings) {
  bool value = false;
  EXPECT_FALSE(ParseGoBool("yes", &value));
  EXPECT_FALSE(ParseGoBool("tRuE", &value));
  EXPECT_TRUE(ParseGoBool("T", &value));
  EXPECT_TRUE(value);
}

}  // namespace
}  // namespace grantor::model
