#!/bin/bash
# publish-git: commit the posts feedd just wrote to a Jekyll site's git
# repository, and push them.
#
# Usage: publish-git --site DIR [options] [--] [PATH...]
#
# Made for feedd's [publish] hook, which runs it after each batch that wrote
# posts, with the written paths on stdin, one per line, and in FEEDD_POSTS
# (newline-separated):
#
#   [publish]
#   command = ["/usr/local/bin/publish-git", "--site", "/srv/site",
#              "--message", "{count} new posts"]
#
# The paths come from the arguments, else from FEEDD_POSTS, else from stdin
# (unless it is a terminal): FEEDD_POSTS first, since it always holds the
# whole list. Relative paths are taken from the current folder. Every path must lie inside the site's work tree. Only these paths
# are added and committed: anything else changed or staged in the site stays
# as it is. Names are taken literally (no globs), so spaces, quotes, '*',
# Chinese and the like are fine; a path that no longer exists commits its
# deletion when git tracks it and is skipped otherwise.
#
# Then HEAD is pushed to REMOTE's BRANCH, unless the remote-tracking branch
# already has it. With nothing to commit and nothing to push it does nothing
# and exits 0. A commit whose push failed stays and is pushed by the next run.
#
# Options (environment variables in brackets):
#   --site DIR            the site's git work tree; required [PUBLISH_GIT_SITE]
#   --message TEXT        commit message; "{count}" becomes the number of files
#                         committed [PUBLISH_GIT_MESSAGE]
#                         (default "feedd: {count} new posts")
#   --remote NAME         remote to push to [PUBLISH_GIT_REMOTE] (default: the
#                         branch's upstream remote, else "origin")
#   --branch NAME         remote branch to push HEAD to [PUBLISH_GIT_BRANCH]
#                         (default: the current branch)
#   --no-push             commit only
#   --rebase              when the push is rejected, rebase onto the remote
#                         branch (git pull --rebase --autostash) and push once more
#   --lock-timeout SECS   how long to wait for another run on the same site
#                         [PUBLISH_GIT_LOCK_TIMEOUT] (default 60)
#   -h, --help            show this text
#
# Runs on the same site are serialised with flock(1) on a lock file in the
# repository's git folder. Commits use the repository's git identity; where
# none is configured, "feedd <feedd@localhost>". Git never prompts for
# credentials (GIT_TERMINAL_PROMPT=0): use an SSH key or a credential helper.
#
# Exit status: 0 done or nothing to do, 1 failure (message on stderr), 2 usage.
set -euo pipefail

me=publish-git

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}
die() {
  printf '%s: %s\n' "$me" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: %s (see --help)\n' "$me" "$*" >&2
  exit 2
}
say() {
  printf '%s: %s\n' "$me" "$*" >&2
}

site=${PUBLISH_GIT_SITE:-}
message=${PUBLISH_GIT_MESSAGE:-"feedd: {count} new posts"}
remote=${PUBLISH_GIT_REMOTE:-}
branch=${PUBLISH_GIT_BRANCH:-}
lock_timeout=${PUBLISH_GIT_LOCK_TIMEOUT:-60}
push=1
rebase=0
paths=()

while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --site | --message | --remote | --branch | --lock-timeout)
      (($# >= 2)) || usage_error "$1 needs a value"
      case $1 in
        --site) site=$2 ;;
        --message) message=$2 ;;
        --remote) remote=$2 ;;
        --branch) branch=$2 ;;
        --lock-timeout) lock_timeout=$2 ;;
      esac
      shift 2 ;;
    --site=* | --message=* | --remote=* | --branch=* | --lock-timeout=*)
      value=${1#*=}
      case $1 in
        --site=*) site=$value ;;
        --message=*) message=$value ;;
        --remote=*) remote=$value ;;
        --branch=*) branch=$value ;;
        --lock-timeout=*) lock_timeout=$value ;;
      esac
      shift ;;
    --no-push) push=0; shift ;;
    --rebase) rebase=1; shift ;;
    --) shift; paths+=("$@"); break ;;
    -*) usage_error "unknown option $1" ;;
    *) paths+=("$1"); shift ;;
  esac
done

[[ -n $site ]] || usage_error "--site is required"
[[ $lock_timeout =~ ^[0-9]+$ ]] || usage_error "--lock-timeout must be a whole number of seconds"
command -v git >/dev/null || die "git is not installed"
command -v flock >/dev/null || die "flock (util-linux) is not installed"

# Paths: arguments, else FEEDD_POSTS, else stdin; blank lines are ignored.
if ((${#paths[@]} == 0)) && [[ -n ${FEEDD_POSTS:-} ]]; then
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ -n $line ]]; then paths+=("$line"); fi
  done <<<"$FEEDD_POSTS"
fi
if ((${#paths[@]} == 0)) && [[ ! -t 0 ]]; then
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ -n $line ]]; then paths+=("$line"); fi
  done
fi

export GIT_TERMINAL_PROMPT=0
[[ -d $site ]] || die "site folder $site does not exist"
# (git's own reason, e.g. "dubious ownership" for a work tree owned by
# another user: see safe.directory in git-config(1).)
top=$(git -C "$site" rev-parse --show-toplevel 2>&1) || die "$site is not a usable git work tree: ${top%%$'\n'*}"
top=$(realpath -e -- "$top")
git_dir=$(git -C "$top" rev-parse --path-format=absolute --git-common-dir)
g() { git -C "$top" --literal-pathspecs "$@"; }
# An identity for commits (and a rebase) where git has none, as for a
# daemon's system user.
if [[ -z $(g config user.email || true) ]]; then
  export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-feedd} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-feedd@localhost}
  export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-feedd} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-feedd@localhost}
fi

# One run per site at a time: feedd's batches, or a person running it by hand.
exec 9>>"$git_dir/publish-git.lock" || die "cannot open the lock file $git_dir/publish-git.lock"
flock -w "$lock_timeout" 9 || die "another publish-git has held $git_dir/publish-git.lock for over ${lock_timeout}s"

# Each path relative to the work tree's top. Folders are resolved (symlinks
# included, so /srv/site may be a link); the file name is kept as given.
relative=()
declare -A wanted=()
for path in "${paths[@]}"; do
  [[ $path == /* ]] || path=$PWD/$path
  name=${path##*/}
  folder=${path%/*}
  [[ -n $name && $name != . && $name != .. ]] || die "not a file path: $path"
  real_folder=$(realpath -e -- "${folder:-/}" 2>/dev/null) || die "folder of $path does not exist"
  case $real_folder/ in
    "$top"/*) ;;
    *) die "$path is outside the site repository $top" ;;
  esac
  rel=${real_folder#"$top"}
  rel=${rel#/}
  rel=${rel:+$rel/}$name
  if [[ $rel == .git/* || $rel == .git ]]; then die "$path is inside the .git folder"; fi
  if [[ ! -e $real_folder/$name && ! -L $real_folder/$name ]] &&
    ! g ls-files --error-unmatch -- "$rel" >/dev/null 2>&1; then
    say "skipping $path: it does not exist and git does not track it"
    continue
  fi
  if [[ -n ${wanted[$rel]+x} ]]; then continue; fi
  wanted[$rel]=1
  relative+=("$rel")
done

nul_list() { printf '%s\0' "$@"; }

committed=0
if ((${#relative[@]} > 0)); then
  nul_list "${relative[@]}" | g add --pathspec-from-file=- --pathspec-file-nul ||
    die "git add failed in $top"
  # Which of them differ from HEAD now (-z: names exactly as stored)?
  if g rev-parse -q --verify HEAD >/dev/null; then
    changed_cmd=(diff --cached --name-only --no-renames -z HEAD)
  else
    changed_cmd=(ls-files --cached -z)  # no commit yet: all that is staged is new
  fi
  while IFS= read -r -d '' file; do
    if [[ -n ${wanted[$file]+x} ]]; then committed=$((committed + 1)); fi
  done < <(g "${changed_cmd[@]}")
fi

if ((committed > 0)); then
  text=${message//\{count\}/$committed}
  # A pathspec commits only these paths (--only), leaving whatever else is staged.
  nul_list "${relative[@]}" |
    g commit --quiet -m "$text" --pathspec-from-file=- --pathspec-file-nul || die "git commit failed in $top"
  say "committed $committed file(s) as $(g rev-parse --short HEAD): $text"
fi

((push)) || exit 0

if [[ -z $branch ]]; then
  branch=$(g symbolic-ref --quiet --short HEAD) || die "HEAD is detached in $top: give --branch"
fi
if [[ -z $remote ]]; then
  current=$(g symbolic-ref --quiet --short HEAD || true)
  if [[ -n $current ]]; then remote=$(g config "branch.$current.remote" || true); fi
  remote=${remote:-origin}
fi

# Nothing to push when the remote-tracking branch (as of the last push or
# fetch) already holds HEAD.
if ! g rev-parse -q --verify HEAD >/dev/null; then
  say "nothing to publish: $top has no commit yet"
  exit 0
fi
tracking=refs/remotes/$remote/$branch
if g rev-parse -q --verify "$tracking" >/dev/null && g merge-base --is-ancestor HEAD "$tracking"; then
  ((committed > 0)) || say "nothing to publish"
  exit 0
fi

push_head() { g push --quiet "$remote" "HEAD:refs/heads/$branch"; }
if ! push_head; then
  if ((rebase)); then
    say "push rejected; rebasing onto $remote/$branch"
    g pull --quiet --rebase --autostash "$remote" "$branch" || die "git pull --rebase from $remote/$branch failed in $top"
    push_head || die "push to $remote/$branch failed after the rebase; the commit stays in $top and goes with the next run"
  else
    die "push to $remote/$branch failed; the commit stays in $top and goes with the next run"
  fi
fi
# Pushing to a remote by URL leaves no tracking ref to compare with next time.
g update-ref "$tracking" HEAD 2>/dev/null || true
say "pushed $(g rev-parse --short HEAD) to $remote/$branch"
