// The --format encodings (docs/juju.md, "Hook tools the charms use") and their use by real tools.

#include "model/tool_output.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace grantor::model {
namespace {

using nlohmann::json;

TEST(ToolOutputTest, JsonIsCompactWithSortedKeys) {
  EXPECT_EQ(FormatJson(json{{"b", "2"}, {"a", json::array({1, 2})}}), "{\"a\":[1,2],\"b\":\"2\"}\n");
}

TEST(ToolOutputTest, JsonEscapesHtmlCharactersLikeGo) {
  EXPECT_EQ(FormatJson(json("<a&b>")), "\"\\u003ca\\u0026b\\u003e\"\n");
  EXPECT_EQ(FormatJson(json("line\xe2\x80\xa8sep")), "\"line\\u2028sep\"\n");
}

TEST(ToolOutputTest, JsonNullAndEmptyList) {
  EXPECT_EQ(FormatJson(nullptr), "null\n");
  EXPECT_EQ(FormatJson(json::array()), "[]\n");
}

TEST(ToolOutputTest, JsonReplacesInvalidUtf8) {
  EXPECT_EQ(FormatJson(json(std::string("a\xff"))), "\"a\xef\xbf\xbd\"\n");
}

TEST(ToolOutputTest, SmartPrintsStringsBoolsAndLists) {
  EXPECT_EQ(FormatSmart(json("hello")), "hello\n");
  EXPECT_EQ(FormatSmart(json("")), "");
  EXPECT_EQ(FormatSmart(json(true)), "True\n");
  EXPECT_EQ(FormatSmart(json(false)), "False\n");
  EXPECT_EQ(FormatSmart(json::array({"db:1", "db:2"})), "db:1\ndb:2\n");
  EXPECT_EQ(FormatSmart(json::array()), "");
  EXPECT_EQ(FormatSmart(nullptr), "");
}

TEST(ToolOutputTest, SmartFallsBackToYamlForMapsAndNumbers) {
  EXPECT_EQ(FormatSmart(json{{"a", "b"}}), "a: b\n");
  EXPECT_EQ(FormatSmart(json(3)), "3\n");
}

TEST(ToolOutputTest, YamlNullPrintsNothing) { EXPECT_EQ(FormatYaml(nullptr), ""); }

TEST(ToolOutputTest, YamlQuotesStringsThatWouldChangeType) {
  EXPECT_EQ(FormatYaml(json{{"num", "123"}, {"bool", "true"}, {"empty", ""}, {"word", "yes"},
                            {"float", "1.5"}, {"null", "~"}}),
            "bool: \"true\"\nempty: \"\"\nfloat: \"1.5\"\n\"null\": \"~\"\nnum: \"123\"\n"
            "word: \"yes\"\n");
  // yaml.v2 reads y/n as booleans, so even one-letter keys get quoted.
  EXPECT_EQ(FormatYaml(json{{"y", "a"}}), "\"y\": a\n");
}

TEST(ToolOutputTest, YamlQuotesIndicatorsAndSeparators) {
  EXPECT_EQ(FormatYaml(json("a: b")), "'a: b'\n");
  EXPECT_EQ(FormatYaml(json("-x")), "'-x'\n");
  EXPECT_EQ(FormatYaml(json("it's: x")), "'it''s: x'\n");
  EXPECT_EQ(FormatYaml(json("two\nlines")), "\"two\\nlines\"\n");
}

TEST(ToolOutputTest, YamlNestsMapsAndDoesNotIndentSequencesUnderKeys) {
  const json value{{"m", {{"k", "v"}}}, {"l", json::array({"a", "b"})}, {"e", json::object()}};
  EXPECT_EQ(FormatYaml(value), "e: {}\nl:\n- a\n- b\nm:\n  k: v\n");
}

TEST(ToolOutputTest, YamlSequenceOfMaps) {
  const json value = json::array({json{{"a", 1}, {"b", 2}}});
  EXPECT_EQ(FormatYaml(value), "- a: 1\n  b: 2\n");
}

TEST(ToolOutputTest, YamlRoundTripsThroughAParser) {
  const json value{{"bind-addresses",
                    json::array({json{{"addresses", json::array({json{{"cidr", "10.0.0.0/24"},
                                                                       {"value", "10.0.0.5"}}})},
                                      {"interface-name", "eth0"}}})},
                   {"odd", "x: y # z"},
                   {"num", "007"}};
  const YAML::Node node = YAML::Load(FormatYaml(value));
  EXPECT_EQ(node["odd"].as<std::string>(), "x: y # z");
  EXPECT_EQ(node["num"].as<std::string>(), "007");
  EXPECT_EQ(node["bind-addresses"][0]["addresses"][0]["value"].as<std::string>(), "10.0.0.5");
  EXPECT_EQ(node["bind-addresses"][0]["interface-name"].as<std::string>(), "eth0");
}

TEST(ToolOutputTest, FormatFlagRejectsUnknownFormats) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kSmart;
  AddFormatFlag(flags, &format);
  flags.Parse({"--format=json"});
  EXPECT_EQ(format, OutputFormat::kJson);
  try {
    flags.Parse({"--format", "xml"});
    FAIL() << "expected a usage error";
  } catch (const ToolError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_STREQ(e.what(), "invalid value \"xml\" for option --format: unknown format \"xml\"");
  }
}

}  // namespace
}  // namespace grantor::model
