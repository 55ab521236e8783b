#!/usr/bin/env bash
# prepare-native.sh — make the BUILD OUTPUT's copy of TorchSharp's native glue (libLibTorchSharp.so)
# loadable with an older libstdc++ (Debian 12 ships GCC 12's libstdc++, whose newest symbol version
# is GLIBCXX_3.4.30).
#
# Usage: prepare-native.sh DIR_OR_FILE...     (e.g. tests/Foo.Tests/bin/Debug/net10.0)
#   Run by TorchSharpNative.targets after every build of a project that imports it (the test project only:
#   the shipped Checkpoints.TorchSharp package neither carries nor patches any native library).
#   Every libLibTorchSharp.so found under the arguments is checked and, if needed, patched in place.
#   Exit 0: every copy found loads against this machine's libstdc++ (nothing found is also exit 0).
#   Exit 1: a copy needs something this machine's libstdc++ lacks that is NOT the one known-harmless
#           reference below; nothing is patched then, and the message says what.
#
# The problem: TorchSharp 0.107.0's libLibTorchSharp.so was built with GCC 15 on Ubuntu. Its
# Verneed table requires GLIBCXX_3.4.32 from libstdc++.so.6 for one symbol only,
# std::ios_base_library_init() (_ZSt21ios_base_library_initv). Since GCC 13, <iostream> no longer
# puts a `static ios_base::Init __ioinit;` in every translation unit: libstdc++.so initialises the
# standard streams itself (init_priority 90), and the header instead emits
#     __extension__ __asm (".globl _ZSt21ios_base_library_initv");
# i.e. an undefined reference that is never called (no relocation uses it). Its only job is to
# drag in the symbol VERSION GLIBCXX_3.4.32, so that such an object refuses to run against an older
# libstdc++ that would not construct std::cout & co. for it. (In libstdc++ 13+ the symbol is an
# alias of std::ios_base::Init::Init(), but nothing calls it.)
#
# The fix (on the output copy only, never on the NuGet cache):
#   1. set VER_FLG_WEAK (0x2) on the Vernaux entry "GLIBCXX_3.4.32" of libstdc++.so.6. glibc's
#      _dl_check_map_versions() passes `vna_flags & VER_FLG_WEAK` to match_symbol(), which treats a
#      missing weak version as non-fatal (it is only reported by `ldd -v`).
#   2. set the symbol's .gnu.version entry to 1 (VER_NDX_GLOBAL, "unversioned"), as
#      `patchelf --clear-symbol-version` would, so nothing refers to the missing version any more.
#   Both are in-place writes of 2 bytes each; the file size and layout do not change.
# Why that is safe here (checked by this script before it writes anything):
#   - the only symbols bound to a missing version are in the allow-list (the ios_base_library_init
#     marker), and no relocation refers to them, so the loader never looks them up;
#   - the guarantee the marker stands for (streams constructed before use) holds anyway: the glue
#     references none of std::cin/cout/cerr/clog/wcin/wcout/wcerr/wclog, and its dependencies
#     libc10.so / libtorch_cpu.so (built with GCC 9) construct std::ios_base::Init themselves.
#   If a later TorchSharp needs a real GCC 13+ function (e.g. std::format or <print> support),
#   this script refuses (exit 1) instead of producing a library that fails at run time.
#
# Needs: bash, readelf and objdump (binutils), od and dd (coreutils), ldd and ldconfig (libc-bin); nothing is
# downloaded or installed.
# Idempotent: an already-patched copy is recognised (the entry is WEAK) and left alone.
# Safe with hard links: the patch is written to a temporary copy that then replaces the file. A library under a
# NuGet packages folder is refused outright: replacing the file there would change the shared package cache.

set -euo pipefail

ALLOWED_SYMBOLS=(_ZSt21ios_base_library_initv)   # known "version marker only" references
LIBNAME=libLibTorchSharp.so

TMP_FILES=()
trap 'rm -f "${TMP_FILES[@]}"' EXIT
die() { echo "prepare-native: $*" >&2; exit 1; }
log() { echo "prepare-native: $*"; }

for tool in readelf objdump od dd ldd ldconfig; do command -v "$tool" >/dev/null || die "needs $tool (apt-get install binutils libc-bin)"; done

# The libstdc++ this machine's dynamic loader will use, and the versions it defines.
sys_libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
[ -n "$sys_libstdcxx" ] || sys_libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6/ {print $NF; exit}')
[ -r "$sys_libstdcxx" ] || die "cannot find the system libstdc++.so.6"
# (objdump -p lists only the version definitions; readelf -V would also list every symbol: ~1 s.)
mapfile -t provided < <(objdump -p "$sys_libstdcxx" |
  sed -n '/^Version definitions:/,/^Version References:/p' | awk 'NF >= 4 && $2 ~ /^0x/ {print $4}' | sort -u)
[ ${#provided[@]} -gt 0 ] || die "cannot read the version definitions of $sys_libstdcxx"
is_provided() { local v; for v in "${provided[@]}"; do [ "$v" = "$1" ] && return 0; done; return 1; }
is_allowed()  { local s; for s in "${ALLOWED_SYMBOLS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# Write a little-endian u16 at a file offset, in place.
write_u16() { # file offset value
  printf "$(printf '\\x%02x\\x%02x' $(( $3 & 0xff )) $(( ($3 >> 8) & 0xff )))" |
    dd of="$1" bs=1 seek="$2" count=2 conv=notrunc status=none
}
read_u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }

# The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages): never patched, even through a mv.
nuget_root=$(realpath -m "${NUGET_PACKAGES:-$HOME/.nuget/packages}")

prepare_one() {
  local lib=$1
  case "$(realpath -m "$lib")/" in
    "$nuget_root"/*) die "$lib is in the NuGet packages folder ($nuget_root); pass the build output folder instead" ;;
  esac
  local verneed_off cur_file line entry name flags vidx
  local -a to_patch=()   # "entry_offset_in_section version_index name"

  verneed_off=$(readelf -W -V "$lib" | awk '/^Version needs section/ {getline; for (i=1;i<=NF;i++) if ($i=="Offset:") print $(i+1)}')
  [ -n "$verneed_off" ] || { log "$lib: no version needs, nothing to do"; return 0; }

  # Walk the Verneed entries of libstdc++.so.6 and collect the versions the system lacks.
  cur_file=
  while IFS= read -r line; do
    if [[ $line =~ File:\ ([^ ]+) ]]; then cur_file=${BASH_REMATCH[1]}; continue; fi
    [[ $cur_file == libstdc++.so.6 ]] || continue
    if [[ $line =~ ^\ *(0x[0-9a-f]+):\ +Name:\ ([^ ]+)\ +Flags:\ ([^ ]+)\ +Version:\ ([0-9]+) ]]; then
      entry=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} flags=${BASH_REMATCH[3]} vidx=${BASH_REMATCH[4]}
      is_provided "$name" && continue
      if [[ $flags == *WEAK* ]]; then log "$lib: $name already weak (patched before)"; continue; fi
      to_patch+=("$entry $vidx $name")
    fi
  done < <(readelf -W -V "$lib" | sed -n '/^Version needs section/,$p')

  if [ ${#to_patch[@]} -eq 0 ]; then
    log "$lib: loads against $(basename "$sys_libstdcxx") as is"
    return 0
  fi

  # Check every symbol bound to a missing version: it must be allow-listed and never relocated.
  local dynsyms relocs item sym symidx
  local -a versym_fix=()   # "symbol_index symbol_name"
  dynsyms=$(readelf -W --dyn-syms "$lib")
  relocs=$(readelf -W -r "$lib")
  for item in "${to_patch[@]}"; do
    read -r entry vidx name <<<"$item"
    while read -r symidx sym; do
      [ -n "$sym" ] || continue
      is_allowed "$sym" || die "$lib needs $name for $sym, which $(basename "$sys_libstdcxx") ($sys_libstdcxx) lacks; not a known marker symbol — refusing to patch"
      if grep -qF " $sym" <<<"$relocs"; then die "$lib: $sym has relocations; refusing to patch"; fi
      versym_fix+=("$symidx $sym")
    done < <(awk -v v="@$name" -v n="($vidx)" 'index($0, v) && $NF == n {sub(":", "", $1); s=$8; sub("@.*", "", s); print $1, s}' <<<"$dynsyms")
  done

  # Patch a private copy (never write through a hard link into the NuGet cache), then replace.
  local versym_off tmp
  versym_off=$(readelf -W -S "$lib" | awk '$0 ~ /\] \.gnu\.version / {for (i=1;i<=NF;i++) if ($i==".gnu.version") print "0x" $(i+3)}')
  [ -n "$versym_off" ] || die "$lib: no .gnu.version section"
  tmp=$(mktemp "${lib}.XXXXXX")
  TMP_FILES+=("$tmp")
  cp -p "$lib" "$tmp"
  for item in "${to_patch[@]}"; do
    read -r entry vidx name <<<"$item"
    local off=$(( verneed_off + entry + 4 ))          # Elf64_Vernaux: vna_hash(4) vna_flags(2) ...
    write_u16 "$tmp" "$off" $(( $(read_u16 "$tmp" "$off") | 0x2 ))   # VER_FLG_WEAK
    log "$lib: made the requirement $name (libstdc++.so.6) weak"
  done
  for item in "${versym_fix[@]}"; do
    read -r symidx sym <<<"$item"
    write_u16 "$tmp" $(( versym_off + 2 * symidx )) 1                # VER_NDX_GLOBAL
    log "$lib: cleared the version of $sym (dynsym #$symidx)"
  done

  # Verify before replacing: no non-weak "version ... not found" left, dependencies resolved.
  local out
  out=$(ldd "$tmp" 2>&1 || true)      # RUNPATH $ORIGIN finds libtorch*.so beside it
  if grep -E "not found" <<<"$out" | grep -vq "weak version"; then
    echo "$out" >&2; die "$lib: still does not load after patching"
  fi
  mv -f "$tmp" "$lib"
  log "$lib: ready"
}

[ $# -gt 0 ] || die "usage: $0 DIR_OR_FILE..."
found=0
for arg in "$@"; do
  [ -e "$arg" ] || die "$arg does not exist"
  while IFS= read -r -d '' lib; do
    found=1
    prepare_one "$lib"
  done < <(find "$arg" -name "$LIBNAME" -type f -print0)
done
[ $found -eq 1 ] || log "no $LIBNAME under $*; nothing to do"
