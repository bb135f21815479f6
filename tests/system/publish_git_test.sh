#!/bin/bash
# contrib/publish-git.sh against a local bare repository: a clone of it is the
# site; posts with awkward names are piped in; the bare repository must get a
# commit with exactly those files. Then: nothing new is a no-op, FEEDD_POSTS
# and relative paths work, concurrent runs both land, a failed push exits
# non-zero and goes out with the next run, a rejected push is rebased with
# --rebase, paths outside the site are refused.
#
# usage: publish_git_test.sh [SOURCE_DIR]
set -euo pipefail

source_dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
script=$source_dir/contrib/publish-git.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A git of our own: no global or system settings, no identity (the script's
# fallback is under test).
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/home/.gitconfig
mkdir -p "$HOME"
git config --global init.defaultBranch main
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL FEEDD_POSTS

failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}
step() { printf -- '--- %s\n' "$*"; }

publish() {  # publish ARGS... < paths; sets status, out (stdout+stderr)
  set +e
  out=$(bash "$script" --site "$site" "$@" 2>&1)
  status=$?
  set -e
  printf '%s\n' "$out" | sed 's/^/    /'
}

# The files a commit of the bare repository touched, one per line, sorted.
files_of() { git -C "$bare" show --no-renames --name-only -z --format= "$1" | tr '\0' '\n' | sort; }
commits() { git -C "$bare" rev-list --count main 2>/dev/null || echo 0; }
expect_files() {  # expect_files REV FILE...
  local rev=$1
  shift
  local expected actual
  expected=$(printf '%s\n' "$@" | sort)
  actual=$(files_of "$rev")
  [[ $actual == "$expected" ]] || fail "$rev holds [$actual], expected [$expected]"
}

bare=$work/remote.git
site=$work/site
git init -q --bare "$bare"
git clone -q "$bare" "$site" 2>/dev/null
mkdir -p "$site/_posts" "$site/_layouts"

step "awkward names piped in: one commit with exactly those files"
names=(
  '2021-04-15-He said "hi" \ bye.md'
  "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md"
  "2021-04-15-it's a [test] * ?.md"
  "2021-04-15- leading and trailing space .md"
  "2021-04-15-emoji 🎉 and Key: value # x.md"
)
for name in "${names[@]}"; do printf 'post %s\n' "$name" >"$site/_posts/$name"; done
# Decoys: untracked, staged, and one a glob in the names above would match.
echo decoy >"$site/_posts/2021-04-15-it's a t * x.md"
echo untracked >"$site/notes.txt"
echo '{{ content }}' >"$site/_layouts/post.html"
git -C "$site" add _layouts/post.html
expected=()
for name in "${names[@]}"; do expected+=("_posts/$name"); done
publish --message "5 new posts" < <(for name in "${names[@]}"; do printf '%s\n' "$site/_posts/$name"; done)
[[ $status == 0 ]] || fail "first publish exited $status"
[[ $(commits) == 1 ]] || fail "the bare repository has $(commits) commits, expected 1"
[[ $(git -C "$bare" log -1 --format=%s main) == "5 new posts" ]] || fail "commit message is $(git -C "$bare" log -1 --format=%s main)"
[[ $(git -C "$bare" log -1 --format='%an <%ae>' main) == "feedd <feedd@localhost>" ]] || fail "author is not the fallback"
expect_files main "${expected[@]}"
git -C "$site" diff --cached --quiet -- _layouts/post.html && fail "the staged layout was committed or unstaged"

step "the same paths again, and no paths at all: no-op"
publish < <(for name in "${names[@]}"; do printf '%s\n' "$site/_posts/$name"; done)
[[ $status == 0 ]] || fail "second publish exited $status"
[[ $out == *"nothing to publish"* ]] || fail "second publish did not say 'nothing to publish'"
publish </dev/null
[[ $status == 0 ]] || fail "publish with no paths exited $status"
[[ $(commits) == 1 ]] || fail "a no-op made a commit"

step "FEEDD_POSTS (over a cut-short stdin) and relative paths, {count} in the message"
printf 'a\n' >"$site/_posts/2021-04-16-from env.md"
printf 'b\n' >"$site/_posts/2021-04-16-also \"env\".md"
set +e
out=$(cd "$site" && FEEDD_POSTS=$'_posts/2021-04-16-from env.md\n_posts/2021-04-16-also "env".md\n' \
  bash "$script" --site . --message "{count} new posts" 2>&1 < <(printf '_posts/2021-04-16-from env.md\n_posts/2021-04'))
status=$?
set -e
[[ $status == 0 ]] || fail "FEEDD_POSTS publish exited $status: $out"
[[ $(git -C "$bare" log -1 --format=%s main) == "2 new posts" ]] || fail "{count} not substituted"
expect_files main "_posts/2021-04-16-from env.md" '_posts/2021-04-16-also "env".md'

step "a post changed and one deleted (whose name, as a glob, matches the decoy)"
printf 'changed\n' >"$site/_posts/${names[0]}"
rm "$site/_posts/${names[2]}"
publish "$site/_posts/${names[0]}" "$site/_posts/${names[2]}" "$site/_posts/2021-01-01-never existed.md"
[[ $status == 0 ]] || fail "update publish exited $status"
expect_files main "_posts/${names[0]}" "_posts/${names[2]}"
git -C "$bare" cat-file -e "main:_posts/${names[2]}" 2>/dev/null && fail "the deleted post is still in the tree"

step "two runs at once: both land"
before=$(commits)
pids=()
for i in 1 2 3; do
  printf '%s\n' "$i" >"$site/_posts/2021-04-17-concurrent $i.md"
  printf '%s\n' "$site/_posts/2021-04-17-concurrent $i.md" |
    bash "$script" --site "$site" --message "concurrent $i" >"$work/concurrent-$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  wait "${pids[$i]}" || fail "concurrent run $((i + 1)) failed: $(cat "$work/concurrent-$((i + 1)).log")"
done
[[ $(commits) == $((before + 3)) ]] || fail "concurrent runs made $(($(commits) - before)) commits, expected 3"
for i in 1 2 3; do
  rev=$(git -C "$bare" log --format=%H --grep="^concurrent $i\$" main)
  [[ -n $rev ]] && expect_files "$rev" "_posts/2021-04-17-concurrent $i.md"
done

step "a failing push exits non-zero; the next run pushes the commit"
mv "$bare" "$work/moved.git"
printf 'x\n' >"$site/_posts/2021-04-17-while away.md"
publish --message "while away" "$site/_posts/2021-04-17-while away.md"
[[ $status != 0 ]] || fail "publish to a missing remote exited 0"
[[ $out == *"push to origin/main failed"* ]] || fail "no clear message about the failed push"
mv "$work/moved.git" "$bare"
publish </dev/null
[[ $status == 0 ]] || fail "retry exited $status"
[[ $(git -C "$bare" log -1 --format=%s main) == "while away" ]] || fail "the pending commit was not pushed by the next run"
expect_files main "_posts/2021-04-17-while away.md"

step "a rejected push: fails without --rebase, lands with it"
other=$work/other
git clone -q "$bare" "$other"
echo 'title: site' >"$other/_config.yml"
git -C "$other" add _config.yml
git -C "$other" -c user.name=human -c user.email=human@example.com commit -q -m "config by hand"
git -C "$other" push -q origin main
printf 'y\n' >"$site/_posts/2021-04-17-after human.md"
publish --message "after human" "$site/_posts/2021-04-17-after human.md"
[[ $status != 0 ]] || fail "a non-fast-forward push exited 0"
publish --rebase </dev/null
[[ $status == 0 ]] || fail "--rebase run exited $status"
[[ $(git -C "$bare" log -1 --format=%s main) == "after human" ]] || fail "--rebase did not push"
git -C "$bare" cat-file -e main:_config.yml || fail "--rebase lost the other commit"

step "refusals: outside the site, no --site, unknown option"
echo z >"$work/outside.md"
publish "$work/outside.md"
[[ $status == 1 && $out == *"outside the site repository"* ]] || fail "a path outside the site was not refused clearly"
set +e
out=$(bash "$script" --message x </dev/null 2>&1)
status=$?
set -e
[[ $status == 2 && $out == *"--site is required"* ]] || fail "missing --site: status $status, $out"
publish --frobnicate </dev/null
[[ $status == 2 ]] || fail "unknown option: status $status"
set +e
out=$(bash "$script" --help 2>&1)
status=$?
set -e
[[ $status == 0 && $out == *"Usage: publish-git --site DIR"* ]] || fail "--help: status $status"

if ((failures)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "publish-git: all checks passed"
