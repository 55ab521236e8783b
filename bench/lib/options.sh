# shellcheck shell=bash
# Option handling shared by the benchmark scripts (sourced):
#   print_usage FIRST LAST       lines FIRST..LAST of the calling script's header comment, without the leading '# '
#   usage_error MESSAGE          MESSAGE and a pointer to --help on standard error, then exit 2
#   require_value "$@"           in an option loop: the option in $1 has a value in $2, else a usage error
#   require_count FLAG VALUE     VALUE is a positive whole number, else a usage error naming FLAG
#   require_size FLAG VALUE      VALUE is a size such as 4GiB, 512MiB or 1073741824
#   require_duration FLAG VALUE  VALUE is a duration such as 2ms, 500us or 1.5s (an RTT)
#   require_settle VALUE         VALUE is empty (the default) or whole seconds (--settle)
#   require_root WHY             exit 1 unless root
#   commit_label                 the short commit of REPO_ROOT, +dirty when the tree has changes
#   machine_label                "2 cores, 24 GiB, KERNEL"
# Uses ${BASH_SOURCE[-1]} (the script that was run) and REPO_ROOT.

print_usage() {
  sed -n "${1},${2}p" "${BASH_SOURCE[-1]}" | sed 's/^# \{0,1\}//'
}

usage_error() {
  printf '%s: %s (see --help)\n' "${BASH_SOURCE[-1]##*/}" "$*" >&2
  exit 2
}

require_value() {
  if (($# < 2)) || [[ -z "$2" ]]; then usage_error "$1 needs a value"; fi
}

require_count() {
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage_error "$1 takes a positive whole number, not '$2'"
}

require_size() {
  [[ "$2" =~ ^[1-9][0-9]*([KMGT]i?B?|B)?$ ]] || usage_error "$1 takes a size such as 4GiB or 512MiB, not '$2'"
}

require_duration() {
  [[ "$2" =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] || usage_error "$1 takes a duration such as 2ms or 500us, not '$2'"
}

require_settle() {
  [[ -z "$1" || "$1" =~ ^[0-9]+$ ]] || usage_error "--settle takes whole seconds, not '$1'"
}

require_root() {
  ((EUID == 0)) || {
    printf '%s: run as root (%s)\n' "${BASH_SOURCE[-1]##*/}" "$1" >&2
    exit 1
  }
}

commit_label() {
  printf '%s%s' "$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null)" \
    "$(git -C "$REPO_ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty')"
}

machine_label() {
  printf '%s cores, %s, %s' "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" "$(uname -r)"
}
