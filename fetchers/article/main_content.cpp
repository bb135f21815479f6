#include "fetchers/article/main_content.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fetchers/article/class_hints.h"
#include "fetchers/article/dom.h"

namespace feedd::article::detail {
namespace {

// What a subtree holds, gathered in one pass.
struct NodeStats {
  std::size_t text = 0;         // visible code points
  std::size_t link_text = 0;    // of which inside <a>
  std::size_t punctuation = 0;  // commas and CJK sentence punctuation
  std::size_t paragraph_text = 0;  // inside <p> and <pre>
  std::size_t inline_text = 0;  // directly inside, not within a block descendant
  std::size_t inline_punctuation = 0;
  int paragraphs = 0, images = 0, list_items = 0, inputs = 0, headings = 0, figures = 0;
  bool has_block_child = false;
  bool scored = false;
  double score = 0;
  double prose = 0;  // paragraph points of the whole subtree, undiminished by depth
};

class StatsTable {
 public:
  NodeStats& of(const xmlNode* node) {
    const auto index = reinterpret_cast<std::uintptr_t>(node->_private);
    return table_[index - 1];
  }
  void attach(xmlNode* node) {
    table_.emplace_back();
    node->_private = reinterpret_cast<void*>(static_cast<std::uintptr_t>(table_.size()));
  }
  void clear() { table_.clear(); }

 private:
  std::vector<NodeStats> table_;
};

bool is_space_byte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Commas and the Chinese marks that end or split clauses: ，。！？；：「」、
std::size_t count_punctuation(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == ',') {
      ++count;
    } else if ((byte == 0xEF || byte == 0xE3) && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      if ((byte == 0xEF && b1 == 0xBC && (b2 == 0x8C || b2 == 0x81 || b2 == 0x9F || b2 == 0x9B || b2 == 0x9A)) ||
          (byte == 0xE3 && b1 == 0x80 && (b2 == 0x82 || b2 == 0x8C || b2 == 0x8D || b2 == 0x81))) {
        ++count;
      }
    }
  }
  return count;
}

bool is_heading(std::string_view tag) {
  return tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6';
}

// Gathers NodeStats for `node`'s subtree; returns its stats.
NodeStats& gather(xmlNode* node, StatsTable& table, bool in_link) {
  table.attach(node);
  const std::string_view tag = tag_of(node);
  const bool link = in_link || tag == "a";
  NodeStats local;
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content == nullptr) continue;
      const std::string_view text = reinterpret_cast<const char*>(child->content);
      const std::size_t length = visible_length(text);
      const std::size_t punctuation = count_punctuation(text);
      local.text += length;
      local.inline_text += length;
      local.punctuation += punctuation;
      local.inline_punctuation += punctuation;
      if (link) local.link_text += length;
      continue;
    }
    if (child->type != XML_ELEMENT_NODE) continue;
    const NodeStats& sub = gather(child, table, link);
    const std::string_view child_tag = tag_of(child);
    const bool block = is_block_tag(child_tag);
    local.has_block_child = local.has_block_child || block;
    local.text += sub.text;
    local.link_text += sub.link_text;
    local.punctuation += sub.punctuation;
    local.paragraph_text += sub.paragraph_text;
    local.paragraphs += sub.paragraphs;
    local.images += sub.images;
    local.list_items += sub.list_items;
    local.inputs += sub.inputs;
    local.headings += sub.headings;
    local.figures += sub.figures;
    if (!block) {
      local.inline_text += sub.inline_text;
      local.inline_punctuation += sub.inline_punctuation;
    }
  }
  if (tag == "p" || tag == "pre") {
    local.paragraphs += 1;
    local.paragraph_text = local.text;
  }
  if (tag == "img") local.images += 1;
  if (tag == "li") local.list_items += 1;
  if (tag == "input" || tag == "select" || tag == "textarea" || tag == "button") local.inputs += 1;
  if (is_heading(tag)) local.headings += 1;
  if (tag == "figure") local.figures += 1;
  NodeStats& stored = table.of(node);
  stored = local;
  return stored;
}

double link_density(const NodeStats& stats) {
  return stats.text == 0 ? 0.0 : static_cast<double>(stats.link_text) / static_cast<double>(stats.text);
}

bool is_hidden(const xmlNode* element) {
  bool found = false;
  attribute(element, "hidden", &found);
  if (found) return true;
  std::string style(attribute(element, "style"));
  style.erase(std::remove_if(style.begin(), style.end(), is_space_byte), style.end());
  return style.find("display:none") != std::string::npos || style.find("visibility:hidden") != std::string::npos;
}

bool is_clutter_tag(std::string_view tag) {
  static constexpr std::string_view tags[] = {"script", "style",  "noscript", "template", "iframe", "object",
                                              "embed",  "svg",    "canvas",   "button",   "input",  "select",
                                              "textarea", "nav",  "aside",    "footer",   "header", "link",
                                              "meta",   "dialog", "menu",     "label"};
  for (const auto clutter : tags) {
    if (clutter == tag) return true;
  }
  return false;
}

// First pass: drops what is never article text, using stats of the raw
// page so that a wrapper holding most of the page's paragraphs survives a
// misleading class name.
void drop_clutter(xmlNode* node, StatsTable& table, std::size_t page_paragraph_text) {
  for (xmlNode* child = node->children; child != nullptr;) {
    xmlNode* const next = child->next;
    if (child->type == XML_COMMENT_NODE) {
      remove_node(child);
    } else if (child->type == XML_ELEMENT_NODE) {
      const std::string_view tag = tag_of(child);
      const NodeStats& stats = table.of(child);
      const bool holds_article = stats.paragraph_text * 3 >= page_paragraph_text && stats.paragraph_text > 0;
      bool drop = is_hidden(child) || (is_clutter_tag(tag) && !holds_article);
      if (!drop && tag != "article" && tag != "main" && tag != "a" && !holds_article) {
        const ClassHints hints = class_hints(child);
        drop = hints.negative && !hints.positive;
      }
      if (drop) {
        remove_node(child);
      } else {
        drop_clutter(child, table, page_paragraph_text);
      }
    }
    child = next;
  }
}

double tag_bias(std::string_view tag) {
  if (tag == "article") return 15;
  if (tag == "div" || tag == "main") return 5;
  if (tag == "section" || tag == "pre" || tag == "td" || tag == "blockquote") return 3;
  if (tag == "ol" || tag == "ul" || tag == "dl" || tag == "form" || tag == "address" || tag == "li") return -3;
  if (is_heading(tag) || tag == "th") return -5;
  return 0;
}

NodeStats& candidate(xmlNode* element, StatsTable& table) {
  NodeStats& stats = table.of(element);
  if (!stats.scored) {
    stats.scored = true;
    stats.score = tag_bias(tag_of(element)) + class_hints(element).weight();
  }
  return stats;
}

bool reads_like_paragraph(std::string_view tag, const NodeStats& stats) {
  if (tag == "p" || tag == "pre" || tag == "td" || tag == "blockquote") return true;
  return !stats.has_block_child && (tag == "div" || tag == "section" || tag == "article" || tag == "span" ||
                                    tag == "font" || tag == "center" || tag == "main");
}

double paragraph_points(std::size_t text, std::size_t punctuation) {
  return 1.0 + static_cast<double>(punctuation) + std::min(static_cast<double>(text) / 100.0, 3.0);
}

// Credits `points` to `from` and up to three ancestors above it, halving.
void credit(xmlNode* from, double points, StatsTable& table, xmlNode* body) {
  int level = 0;
  for (xmlNode* up = from; up != nullptr && level < 4; up = parent_element(up), ++level) {
    candidate(up, table).score += points / static_cast<double>(level + 1);
    if (up == body) break;
  }
  for (xmlNode* up = from; up != nullptr; up = parent_element(up)) {
    table.of(up).prose += points;
    if (up == body) break;
  }
}

void score_paragraphs(xmlNode* node, StatsTable& table, xmlNode* body, std::vector<xmlNode*>& scored) {
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!is_element(child)) continue;
    const NodeStats& stats = table.of(child);
    const std::string_view tag = tag_of(child);
    if (reads_like_paragraph(tag, stats)) {
      if (stats.text >= 25) {
        xmlNode* parent = parent_element(child);
        if (parent != nullptr) {
          credit(parent, paragraph_points(stats.text, stats.punctuation), table, body);
          scored.push_back(parent);
        }
      }
      continue;
    }
    if (stats.has_block_child && stats.inline_text >= 25) {
      // Text written straight into a container between <br>s: the
      // container is its own paragraph's parent.
      credit(child, paragraph_points(stats.inline_text, stats.inline_punctuation), table, body);
      scored.push_back(child);
    }
    score_paragraphs(child, table, body, scored);
  }
}

double final_score(const xmlNode* element, StatsTable& table) {
  const NodeStats& stats = table.of(element);
  return stats.score * (1.0 - link_density(stats));
}

bool contains(const xmlNode* ancestor, const xmlNode* node) {
  for (const xmlNode* up = node; up != nullptr; up = up->parent) {
    if (up == ancestor) return true;
  }
  return false;
}

// The parent of `node` while still inside `body`: above it nothing was
// gathered, so nothing has stats (the body itself can be the best candidate).
xmlNode* parent_inside(xmlNode* node, xmlNode* body) { return node == body ? nullptr : parent_element(node); }

xmlNode* choose_top(std::vector<xmlNode*> scored, StatsTable& table, xmlNode* body) {
  std::sort(scored.begin(), scored.end());
  scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
  std::vector<std::pair<double, xmlNode*>> ranked;
  for (xmlNode* node : scored) {
    // Every credited ancestor is a candidate too.
    for (xmlNode* up = node; up != nullptr; up = parent_element(up)) {
      if (!table.of(up).scored) break;
      ranked.emplace_back(final_score(up, table), up);
      if (up == body) break;
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  ranked.erase(std::unique(ranked.begin(), ranked.end()), ranked.end());
  if (ranked.empty()) return nullptr;
  xmlNode* top = ranked.front().second;
  const double top_score = ranked.front().first;

  // Several strong candidates apart from the best: the article is split
  // into boxes, and their nearest common container holds it all.
  std::vector<xmlNode*> rivals;
  for (std::size_t i = 1; i < ranked.size() && i < 6; ++i) {
    if (ranked[i].first >= 0.75 * top_score && !contains(ranked[i].second, top) && !contains(top, ranked[i].second)) {
      rivals.push_back(ranked[i].second);
    }
  }
  if (!rivals.empty()) {
    const int wanted = rivals.size() >= 2 ? 2 : 1;
    int level = 0;
    for (xmlNode* up = parent_inside(top, body); up != nullptr && up != body && level < 3;
         up = parent_element(up), ++level) {
      int inside = 0;
      for (xmlNode* rival : rivals) inside += contains(up, rival) ? 1 : 0;
      if (inside >= wanted) {
        top = up;
        break;
      }
    }
  }
  // A container whose only child is the candidate adds nothing but may hold siblings.
  for (xmlNode* up = parent_inside(top, body); up != nullptr && up != body; up = parent_element(up)) {
    int elements = 0;
    for (xmlNode* child = up->children; child != nullptr; child = child->next) elements += is_element(child) ? 1 : 0;
    if (elements != 1) break;
    top = up;
  }
  // A parent that scores better than its best child is the better container.
  for (xmlNode* up = parent_inside(top, body); up != nullptr && up != body; up = parent_element(up)) {
    if (!table.of(up).scored) break;
    if (final_score(up, table) <= final_score(top, table)) break;
    top = up;
  }
  return top;
}

bool ends_sentence(std::string_view text) {
  while (!text.empty() && is_space_byte(text.back())) text.remove_suffix(1);
  return text.ends_with('.') || text.ends_with('!') || text.ends_with('?') || text.ends_with("\xE3\x80\x82") ||
         text.ends_with("\xEF\xBC\x81") || text.ends_with("\xEF\xBC\x9F") || text.ends_with("\xE2\x80\x9D");
}

std::vector<xmlNode*> with_siblings(xmlNode* top, StatsTable& table, xmlNode* body) {
  xmlNode* parent = parent_element(top);
  if (parent == nullptr || top == body) return {top};
  const double top_score = final_score(top, table);
  const double threshold = std::max(10.0, 0.2 * top_score);
  const std::string_view top_class = attribute(top, "class");
  std::vector<xmlNode*> chosen;
  for (xmlNode* sibling = parent->children; sibling != nullptr; sibling = sibling->next) {
    if (!is_element(sibling)) continue;
    if (sibling == top) {
      chosen.push_back(sibling);
      continue;
    }
    const NodeStats& stats = table.of(sibling);
    double score = stats.scored ? final_score(sibling, table) : 0.0;
    if (!top_class.empty() && attribute(sibling, "class") == top_class) score += 0.2 * top_score;
    bool keep = stats.scored && score >= threshold;
    // Prose too deep inside the sibling for its score to show, as when a
    // wide figure splits the article into two boxes.
    // A list of teasers (a heading or list item per excerpt) is not.
    const bool teasers = (stats.headings >= 3 && stats.headings * 2 >= stats.paragraphs) ||
                         (stats.list_items >= 3 && stats.list_items >= stats.paragraphs);
    if (!keep && !teasers && stats.prose >= std::max(10.0, 0.3 * table.of(top).prose) &&
        link_density(stats) < 0.3 && class_hints(sibling).weight() >= 0) {
      keep = true;
    }
    // A photo beside the text (with at most a caption) belongs to the article.
    if (!keep && stats.images > 0 && stats.text < 150 && stats.link_text == 0 && !class_hints(sibling).negative) {
      keep = true;
    }
    if (!keep && reads_like_paragraph(tag_of(sibling), stats)) {
      const double density = link_density(stats);
      if (stats.text >= 80) {
        keep = density < 0.25;
      } else if (stats.text > 0 && density == 0.0) {
        keep = ends_sentence(collapsed_text(sibling));
      }
    }
    if (keep) chosen.push_back(sibling);
  }
  return chosen;
}

// -------------------------------------------------------------- cleaning ---

bool same_text(const xmlNode* element, std::string_view title) {
  if (title.empty()) return false;
  return collapsed_text(element) == title;
}

bool looks_like_clutter(xmlNode* element, StatsTable& table, std::string_view title) {
  const std::string_view tag = tag_of(element);
  const NodeStats& stats = table.of(element);
  if (tag == "h1") return true;
  if (is_heading(tag)) return same_text(element, title) || class_hints(element).negative;
  if (tag == "figure" || tag == "img" || tag == "picture" || tag == "video" || tag == "p" || tag == "pre" ||
      tag == "blockquote") {
    return false;
  }
  const ClassHints hints = class_hints(element);
  if (hints.metadata && stats.text < 100 && stats.paragraphs == 0) return true;
  const bool container = tag == "div" || tag == "section" || tag == "ul" || tag == "ol" || tag == "table" ||
                         tag == "dl" || tag == "form";
  if (!container) return false;
  if (hints.weight() < 0 && stats.paragraph_text * 2 < stats.text) return true;
  if (stats.punctuation >= 10 && link_density(stats) < 0.5) return false;  // reads like prose
  const double density = link_density(stats);
  if (stats.text < 25 && stats.images == 0 && stats.figures == 0 && stats.headings == 0) return true;
  if (stats.inputs > 0 && stats.inputs * 3 > stats.paragraphs) return true;
  if (tag == "ul" || tag == "ol") return density > 0.5;
  if (density > 0.5) return true;
  if (hints.weight() < 25 && density > 0.25 && stats.text < 200) return true;
  if (stats.list_items > 2 * (stats.paragraphs + 1) && density > 0.3) return true;
  return false;
}

void clean(xmlNode* node, StatsTable& table, std::string_view title) {
  for (xmlNode* child = node->children; child != nullptr;) {
    xmlNode* const next = child->next;
    if (is_element(child)) {
      const std::string_view tag = tag_of(child);
      if (looks_like_clutter(child, table, title)) {
        remove_node(child);
      } else if (tag != "p" && tag != "pre") {  // a paragraph's inline parts are its text
        clean(child, table, title);
      }
    }
    child = next;
  }
}

void regather(xmlNode* body, StatsTable& table) {
  table.clear();
  gather(body, table, false);
}

}  // namespace

std::vector<xmlNode*> find_main_content(xmlNode* body, std::string_view title) {
  StatsTable table;
  regather(body, table);
  drop_clutter(body, table, table.of(body).paragraph_text);
  regather(body, table);

  std::vector<xmlNode*> scored;
  score_paragraphs(body, table, body, scored);
  xmlNode* top = choose_top(std::move(scored), table, body);
  if (top == nullptr) top = body;
  std::vector<xmlNode*> chosen = with_siblings(top, table, body);
  std::erase_if(chosen, [&](xmlNode* node) { return node != top && looks_like_clutter(node, table, title); });
  for (xmlNode* node : chosen) clean(node, table, title);
  return chosen;
}

}  // namespace feedd::article::detail
