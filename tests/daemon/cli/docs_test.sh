#!/bin/sh
# feedd(1), feedd.toml(5) and the bash completion as the build generated them
# (doc/CMakeLists.txt): current with the binary, rendered by groff and man
# without a warning, and naming every command and option `feedd --help` does.
#
#   sh docs_test.sh FEEDD_BINARY DOC_BUILD_DIR
#
# Exit 77 (skipped) only when groff or man is missing (Debian packages
# groff-base and man-db, which scripts/deps.sh installs).
set -eu

feedd=$1
doc_dir=$2

for tool in groff man bash; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (scripts/deps.sh installs it)"; exit 77; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/feedd-docs-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# --- 1. the build's files are what this binary writes ------------------------
"$feedd" help --man >"$scratch/feedd.1"
"$feedd" help --man-config >"$scratch/feedd.toml.5"
"$feedd" completion bash >"$scratch/completion.bash"
cmp -s "$scratch/feedd.1" "$doc_dir/feedd.1" || fail "$doc_dir/feedd.1 is stale"
cmp -s "$scratch/feedd.toml.5" "$doc_dir/feedd.toml.5" || fail "$doc_dir/feedd.toml.5 is stale"
cmp -s "$scratch/completion.bash" "$doc_dir/feedd.bash-completion" || fail "$doc_dir/feedd.bash-completion is stale"
for page in feedd.1 feedd.toml.5; do
  gzip -dc "$doc_dir/$page.gz" | cmp -s - "$doc_dir/$page" || fail "$doc_dir/$page.gz does not hold $page"
done
pass "generated files match the binary"

# The hidden generators stay out of the help.
! "$feedd" --help | grep -q -e '--man' -e completion || fail "feedd --help lists a hidden generator"

# --- 2. groff and man render both pages without a warning --------------------
for page in feedd.1 feedd.toml.5; do
  groff -man -Tutf8 -ww -z "$doc_dir/$page" 2>"$scratch/groff.err" || fail "groff failed on $page"
  [ ! -s "$scratch/groff.err" ] || { cat "$scratch/groff.err"; fail "groff -ww warns about $page"; }
  # What lintian runs (manpage-has-errors-from-man), on the installed .gz.
  LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$doc_dir/$page.gz" \
    >/dev/null 2>"$scratch/man.err" || fail "man -l failed on $page.gz"
  [ ! -s "$scratch/man.err" ] || { cat "$scratch/man.err"; fail "man --warnings complains about $page.gz"; }
  LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$doc_dir/$page.gz" 2>/dev/null | col -b >"$scratch/$page.txt"
done
for heading in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES ENVIRONMENT SIGNALS "SEE ALSO"; do
  grep -qx "$heading" "$scratch/feedd.1.txt" || fail "feedd(1) has no $heading section"
done
for word in /etc/feedd/feedd.toml /var/lib/feedd FEEDD_CONFIG NOTIFY_SOCKET JOURNAL_STREAM SIGHUP SIGTERM SIGINT; do
  grep -q -- "$word" "$scratch/feedd.1.txt" || fail "feedd(1) does not mention $word"
done
for heading in NAME SYNOPSIS DESCRIPTION KEYS EXAMPLE "SEE ALSO"; do
  grep -qx "$heading" "$scratch/feedd.toml.5.txt" || fail "feedd.toml(5) has no $heading section"
done
pass "groff -ww and man --warnings: both pages clean"

# --- 3. every command and option of --help is in feedd(1) --------------------
commands=$("$feedd" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || fail "no commands found in feedd --help"
count=0
for command in $commands; do
  count=$((count + 1))
  grep -q "^\.SS \\\\fBfeedd $command\\\\fR\$" "$doc_dir/feedd.1" || fail "feedd(1) has no section for '$command'"
  grep -q "^   feedd $command\$" "$scratch/feedd.1.txt" || fail "rendered feedd(1) has no heading 'feedd $command'"
  case $command in version | help) continue ;; esac
  "$feedd" "$command" --help >"$scratch/help.txt" || fail "feedd $command --help"
  options=$(sed -n '/^Options:/,$p' "$scratch/help.txt" | grep -o -e '--[a-z][a-z-]*' | sort -u)
  [ -n "$options" ] || fail "no options in feedd $command --help"
  # The command's own block in the rendered page: from its heading to the next.
  sed -n "/^   feedd $command\$/,/^   feedd /p" "$scratch/feedd.1.txt" >"$scratch/block.txt"
  for option in $options; do
    grep -q -- "$option" "$scratch/block.txt" || fail "feedd(1) does not list $option under '$command'"
  done
done
pass "feedd(1) has all $count commands of feedd --help, with their options"

# --- 4. bash completion ------------------------------------------------------
# complete WORDS...: what _feedd offers for the last word, sorted, on one line.
complete_words() {
  bash --norc --noprofile -c '
    set -u
    source "$1"; shift
    complete -p feedd >/dev/null || exit 3
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _feedd
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
  ' complete "$doc_dir/feedd.bash-completion" "$@"
}
expect() {
  want=$1
  shift
  got=$(complete_words "$@") || fail "completion script failed for: $*"
  [ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}

[ "$(bash --norc --noprofile -c '. "$1"; complete -p feedd' x "$doc_dir/feedd.bash-completion")" = "complete -F _feedd feedd" ] \
  || fail "complete -p feedd after sourcing the script"
expect "once " feedd on
expect "check " feedd ch
expect "$(printf '%s\n' $commands --help --version | sort | tr '\n' ' ')" feedd ""
for command in $commands; do
  expect "$command " feedd "$command"
  case $command in version | help) continue ;; esac
  want=$("$feedd" "$command" --help | sed -n '/^Options:/,$p' | grep -o -e '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
  expect "$want" feedd "$command" --
done
expect "--config " feedd once --con
expect "check " feedd help che
mkdir -p "$scratch/files/sub dir"
touch "$scratch/files/feedd.toml" "$scratch/files/other.toml"
expect "$scratch/files/feedd.toml " feedd once --config "$scratch/files/fe"
expect "$scratch/files/feedd.toml " feedd run -c "$scratch/files/fe"
expect "$scratch/files/feedd.toml " feedd check --config = "$scratch/files/fe"
expect "$scratch/files/sub dir " feedd parse "$scratch/files/su"
expect "" feedd once --now 2
printf '[[sources]]\nname = "Alpha"\nurl = "https://a.example/feed"\n[[sources]]\nname = "Beta Two"\nurl = "https://b.example/feed"\n' \
  >"$scratch/files/sources.toml"
expect "Alpha " "$feedd" poll --config "$scratch/files/sources.toml" A
expect "Alpha Beta Two " "$feedd" poll -c "$scratch/files/sources.toml" Alpha ""
expect "Beta Two " "$feedd" rebuild --config "$scratch/files/sources.toml" --source B
expect "" feedd parse --base http
pass "bash completion: commands, options, file values, source names and operands"

echo "PASS: man pages and completion"
