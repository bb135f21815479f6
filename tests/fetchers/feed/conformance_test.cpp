// feedparser's well-formed feeds through the real `feedd parse --json`,
// compared as tests/data/conformance/feedparser/manifest.json's "about"
// says: text exactly, dates as instants, HTML after normalising both sides.

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/feed/dates.h"
#include "tests/support/process.h"

namespace feedd {
namespace {

using nlohmann::json;

const std::string corpus = std::string(FEEDD_SOURCE_DIR) + "/tests/data/conformance/feedparser/";
const std::string known_failures_file = std::string(FEEDD_SOURCE_DIR) + "/tests/data/conformance/known-failures.md";
constexpr int required_passes = 348;

struct Expectation {
  std::string path;
  std::string equals;
  std::string compare;
};

struct Case {
  std::string file;  // relative to the corpus
  std::optional<std::string> base;
  std::vector<Expectation> expect;
};

std::vector<Case> load_manifest() {
  const json manifest = json::parse(test::read_file(corpus + "manifest.json"));
  std::vector<Case> cases;
  for (const json& entry : manifest.at("cases")) {
    Case c{entry.at("file").get<std::string>(), std::nullopt, {}};
    if (entry.contains("base")) c.base = entry.at("base").get<std::string>();
    for (const json& e : entry.at("expect")) {
      c.expect.push_back({e.at("path").get<std::string>(), e.at("equals").get<std::string>(),
                          e.at("compare").get<std::string>()});
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The files named in backticks at the start of a "## " heading.
std::set<std::string> load_known_failures() {
  std::set<std::string> known;
  std::istringstream lines(test::read_file(known_failures_file));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("## `")) continue;
    const auto end = line.find('`', 4);
    if (end != std::string::npos) known.insert(line.substr(4, end - 4));
  }
  return known;
}

// What feedd printed for each file: its JSON object, or its error message.
struct Output {
  std::optional<json> feed;
  std::string error;
};

// One feedd process for all the files that share a base: 353 processes
// would spend most of the test starting up.
std::map<std::string, Output> run_group(const std::vector<const Case*>& cases, const std::optional<std::string>& base) {
  std::vector<std::string> args = {"parse", "--json"};
  if (base) args.insert(args.end(), {"--base", *base});
  for (const Case* c : cases) args.push_back(corpus + c->file);
  const test::ProcessResult result = test::run_feedd(args);
  std::map<std::string, Output> outputs;
  std::istringstream out(result.out);
  for (const Case* c : cases) {
    // A file that fails is named on stderr and prints no line.
    const std::string marker = fmt::format("feedd parse: {}{}: ", corpus, c->file);
    if (const auto at = result.err.find(marker); at != std::string::npos) {
      outputs[c->file].error = result.err.substr(at + marker.size(), result.err.find('\n', at) - at - marker.size());
      continue;
    }
    std::string line;
    std::getline(out, line);
    outputs[c->file].feed = json::parse(line, nullptr, false);
  }
  return outputs;
}

// ------------------------------------------------------ HTML normalising ---

struct DocDeleter {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};

std::string collapsed(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Elements with their attributes as a sorted set, and text with entities
// decoded and white space collapsed (and trimmed, so that the layout
// between elements does not count), as one comparable string.
void describe_nodes(const xmlNode* node, std::string& out) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      const std::string text = collapsed(reinterpret_cast<const char*>(node->content));
      if (!text.empty()) out += "[" + text + "]";
    } else if (node->type == XML_ELEMENT_NODE) {
      std::set<std::string> attributes;
      for (const xmlAttr* attribute = node->properties; attribute != nullptr; attribute = attribute->next) {
        const auto* as_node = reinterpret_cast<const xmlNode*>(attribute);
        const std::unique_ptr<xmlChar, decltype(xmlFree)> value(xmlNodeGetContent(as_node), xmlFree);
        attributes.insert(fmt::format("{}={}", reinterpret_cast<const char*>(attribute->name),
                                      value ? reinterpret_cast<const char*>(value.get()) : ""));
      }
      out += fmt::format("<{} {}>", reinterpret_cast<const char*>(node->name), fmt::join(attributes, " "));
      describe_nodes(node->children, out);
      out += fmt::format("</{}>", reinterpret_cast<const char*>(node->name));
    }
  }
}

std::string normalised_html(const std::string& html) {
  const std::string document = "<html><body>" + html + "</body></html>";
  const std::unique_ptr<xmlDoc, DocDeleter> doc(
      htmlReadMemory(document.data(), static_cast<int>(document.size()), nullptr, "UTF-8",
                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  if (!doc) return collapsed(html);
  const xmlNode* body = xmlDocGetRootElement(doc.get());
  for (body = body ? body->children : nullptr; body != nullptr; body = body->next) {
    if (body->type == XML_ELEMENT_NODE && std::string_view(reinterpret_cast<const char*>(body->name)) == "body") break;
  }
  std::string out;
  if (body) describe_nodes(body->children, out);
  return out;
}

// ------------------------------------------------------------- compare ---

// The value at a dotted path ("entries.0.title"), "" for null; nullopt
// when the path does not exist.
std::optional<std::string> value_at(const json& feed, const std::string& path) {
  const json* at = &feed;
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '.');) {
    if (at->is_array()) {
      const std::size_t index = std::stoul(part);
      if (index >= at->size()) return std::nullopt;
      at = &(*at)[index];
    } else if (at->is_object() && at->contains(part)) {
      at = &(*at)[part];
    } else {
      return std::nullopt;
    }
  }
  if (at->is_null()) return std::string();
  if (at->is_string()) return at->get<std::string>();
  return at->dump();
}

bool matches(const Expectation& e, const std::string& actual) {
  if (e.compare == "date") {
    const auto expected = dates::parse_rfc3339(e.equals);
    return expected && expected == dates::parse_rfc3339(actual);
  }
  if (e.compare == "html") return normalised_html(e.equals) == normalised_html(actual);
  return e.equals == actual;
}

// feedparser's `_end_content` saves an entry's content as its summary when
// the entry has none (an API convenience of feedparser's, for content of
// type text or HTML; `parse --json` does not print the type, so the copy is
// made whatever it is, and the cases it decides are printed for review).
// feedd's `summary` is what the feed gave as a summary, null when it gave
// none: a reader of `feedd parse --json` can tell a teaser from the article,
// and the post carries the content either way. So an expectation on a
// summary feedd leaves null is checked against the content, as feedparser
// would have copied it; every such case is counted and printed.
std::optional<std::string> feedparser_summary(const json& feed, const std::string& path, bool& copied) {
  auto actual = value_at(feed, path);
  constexpr std::string_view summary = ".summary";
  if (!path.starts_with("entries.") || !path.ends_with(summary)) return actual;
  std::string pointer = "/" + path;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  const json::json_pointer at(pointer);
  if (!feed.contains(at) || !feed.at(at).is_null()) return actual;
  const json::json_pointer content_at(pointer.substr(0, pointer.size() - summary.size()) + "/content");
  if (!feed.contains(content_at) || !feed.at(content_at).is_string()) return actual;
  const auto content = feed.at(content_at).get<std::string>();
  copied = true;
  return content;
}

// "" when the case passes, else what went wrong. `copied`: a summary was
// taken from the content (feedparser_summary).
std::string check_case(const Case& c, const Output& output, bool& copied) {
  if (!output.feed) return "feedd parse failed: " + output.error;
  if (output.feed->is_discarded()) return "feedd printed a line that is not JSON";
  for (const Expectation& e : c.expect) {
    const auto actual = feedparser_summary(*output.feed, e.path, copied);
    if (!actual) return fmt::format("{}: missing, expected \"{}\"", e.path, e.equals);
    if (!matches(e, *actual)) {
      return fmt::format("{} ({}): expected \"{}\", got \"{}\"", e.path, e.compare, e.equals, *actual);
    }
  }
  return {};
}

}  // namespace

TEST_CASE("Passes at least 348 of feedparser's 353 well-formed feeds, and fails no case that is not listed") {
  const std::vector<Case> cases = load_manifest();
  REQUIRE(cases.size() == 353);
  const std::set<std::string> known = load_known_failures();

  std::map<std::optional<std::string>, std::vector<const Case*>> groups;
  for (const Case& c : cases) groups[c.base].push_back(&c);
  std::map<std::string, Output> outputs;
  for (const auto& [base, group] : groups) outputs.merge(run_group(group, base));

  int passed = 0;
  std::vector<std::string> unexpected;
  std::vector<std::string> fixed;
  std::vector<std::string> summaries_copied;
  for (const Case& c : cases) {
    bool copied = false;
    const std::string problem = check_case(c, outputs[c.file], copied);
    if (copied) summaries_copied.push_back(c.file);
    if (problem.empty()) {
      ++passed;
      if (known.contains(c.file)) fixed.push_back(c.file);
    } else if (!known.contains(c.file)) {
      unexpected.push_back(fmt::format("{}: {}", c.file, problem));
    }
  }

  fmt::print("conformance: {} of {} feedparser cases pass (need {})\n", passed, cases.size(), required_passes);
  fmt::print("conformance: summary copied from content as feedparser does in {} case(s): {}\n",
             summaries_copied.size(), fmt::join(summaries_copied, ", "));
  for (const auto& file : fixed) fmt::print("conformance: {} passes now; drop it from known-failures.md\n", file);
  for (const auto& failure : unexpected) FAIL_CHECK("not in known-failures.md: " << failure);
  CHECK(passed >= required_passes);
}

TEST_CASE("feedd parse --json shows a guessed charset and each entry's enclosures") {
  const std::string big5 = std::string(FEEDD_SOURCE_DIR) + "/tests/data/charsets/big5.xml";
  const std::string seed = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/voa-feedx.xml";
  const test::ProcessResult result = test::run_feedd({"parse", "--json", big5, seed});
  REQUIRE(result.exit_status == 0);
  std::istringstream lines(result.out);
  std::string line;
  REQUIRE(std::getline(lines, line));
  const json guessed = json::parse(line);
  CHECK(guessed.at("guessed_charset") == "BIG5-HKSCS");
  CHECK(guessed.at("recovered") == true);
  CHECK(guessed.at("title") == "中央通訊社 即時新聞");
  CHECK(guessed.at("entries").at(0).at("enclosures") == json::array());
  REQUIRE(std::getline(lines, line));
  const json declared = json::parse(line);
  CHECK(declared.at("guessed_charset").is_null());
  CHECK(declared.at("recovered") == false);

  const test::ProcessResult summary = test::run_feedd({"parse", big5});
  CHECK(summary.out.find("(charset guessed: BIG5-HKSCS)") != std::string::npos);
}

TEST_CASE("feedd parse --json lists enclosures with url, type and length") {
  const std::string podcast = std::string(FEEDD_SOURCE_DIR) + "/tests/data/enclosures/podcast.xml";
  const test::ProcessResult result = test::run_feedd({"parse", "--json", podcast});
  REQUIRE(result.exit_status == 0);
  const json feed = json::parse(result.out);
  const json expected = json::parse(R"([
      {"url": "https://rfa.example/a.mp3", "type": "audio/mpeg", "length": 12345},
      {"url": "https://rfa.example/v.mp4", "type": "video/mp4", "length": null},
      {"url": "https://rfa.example/cover.jpg", "type": null, "length": null}])");
  CHECK(feed.at("entries").at(0).at("enclosures") == expected);
}

TEST_CASE("feedd parse names each file it cannot read or parse, still prints the others, and exits 1") {
  const std::string good = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/zaobao-rsshub-gb18030.xml";
  const std::string missing = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/no-such-feed.xml";
  const std::string not_a_feed = corpus + "LICENSE";
  const test::ProcessResult result = test::run_feedd({"parse", "--json", missing, good, not_a_feed, good});
  CHECK(result.exit_status == 1);
  CHECK(result.err.find("feedd parse: " + missing + ": cannot open: No such file or directory") != std::string::npos);
  CHECK(result.err.find("feedd parse: " + not_a_feed + ": ") != std::string::npos);
  std::istringstream lines(result.out);
  int printed = 0;
  for (std::string line; std::getline(lines, line); ++printed) {
    const json feed = json::parse(line);
    CHECK(feed.at("title") == "联合早报 - 中国即时");
    CHECK(feed.at("recovered") == false);
    CHECK(feed.at("description").is_string());
    CHECK(feed.at("entries").at(0).at("author").is_null());
    CHECK(feed.at("entries").at(0).at("published") == "2021-04-17T15:44:00Z");
  }
  CHECK(printed == 2);
}

TEST_CASE("feedd parse prints every file in command-line order, each failure in its place among them") {
  // Files are parsed side by side; what is printed must not show it.
  const std::string feeds = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/";
  const std::vector<std::string> good = {feeds + "voa-feedx.xml", feeds + "zaobao-rsshub.xml",
                                         feeds + "zaobao-rsshub-gb18030.xml"};
  const std::string missing = feeds + "no-such-feed.xml";
  const std::string not_a_feed = corpus + "LICENSE";
  std::vector<std::string> files;
  for (int i = 0; i < 30; ++i) {
    files.push_back(i % 5 == 1 ? missing : i % 7 == 3 ? not_a_feed : good[static_cast<std::size_t>(i) % good.size()]);
  }
  std::map<std::string, std::string> alone;  // each good file's line, parsed on its own
  for (const auto& file : good) alone[file] = test::run_feedd({"parse", "--json", file}).out;

  // One stream for both, as a terminal or `2>&1` shows them.
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" parse --json \"$@\" 2>&1", FEEDD_BINARY};
  argv.insert(argv.end(), files.begin(), files.end());
  const test::ProcessResult result = test::run_process(argv);
  CHECK(result.exit_status == 1);
  std::istringstream lines(result.out);
  for (const auto& file : files) {
    std::string line;
    REQUIRE(std::getline(lines, line));
    CAPTURE(file);
    if (alone.contains(file)) {
      CHECK(line + "\n" == alone[file]);
    } else {
      CHECK(line.starts_with("feedd parse: " + file + ": "));
    }
  }
  std::string extra;
  CHECK_FALSE(std::getline(lines, extra));
}

TEST_CASE("feedd parse without --json prints a readable summary") {
  const std::string good = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/voa-feedx.xml";
  const test::ProcessResult result = test::run_feedd({"parse", good});
  CHECK(result.exit_status == 0);
  CHECK(result.out.find(good + ": rss 2.0, 1 entry") != std::string::npos);
  CHECK(result.out.find("克里抵达上海") != std::string::npos);
  CHECK(test::run_feedd({"parse"}).exit_status == 2);
  CHECK(test::run_feedd({"parse", "--base", "not a url", good}).exit_status == 2);
}

}  // namespace feedd
