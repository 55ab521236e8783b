#!/usr/bin/env bash
# The plain parallel read baseline for bench/run.sh:
#
#   par-read.sh N FILE...
#
# Takes the files end to end as one byte range, splits it into N contiguous parts (16 MiB aligned)
# and reads each part with its own sequential reader process: pread-style 16 MiB reads after
# posix_fadvise(POSIX_FADV_SEQUENTIAL), exactly the files' bytes, each once, to nowhere. A part that
# spans two files reads the end of one, then the start of the next.
#
# Why not fio or dd: dd does not advise, and on sshfs the advice alone makes one reader ~2.5x faster
# (larger readahead): dd bs=16M reads at ~25 MB/s where cat and fio read at ~55 MB/s. fio advises,
# but a part spanning two files needs a chain of fio jobs (wait_for), and each link of the chain cost
# ~0.2 s of fio's start-up polling here (1 reader over 4 warm files: 1.7 s against 0.2 s for cat).
# Perl is part of every Debian system (perl-base); the reader is a few lines of it. Exit status 0
# only if every reader read every byte.
set -euo pipefail

(($# >= 2)) || {
  sed -n '4,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[[ "$1" =~ ^[1-9][0-9]*$ ]] || {
  echo "par-read: N must be a positive integer" >&2
  exit 2
}

# fadvise64's system call number (perl's syscall.ph is not in perl-base).
case "$(uname -m)" in
  x86_64) fadvise_syscall=221 ;;
  aarch64 | riscv64) fadvise_syscall=223 ;;
  *) fadvise_syscall=0 ;; # no advice: slower on sshfs, still correct
esac

exec perl -e '
use strict; use warnings;
my ($readers, $syscall, @files) = @ARGV;
my $block = 16 << 20;
my @sizes = map { -s $_ // die "par-read: cannot stat $_\n" } @files;
my $total = 0; $total += $_ for @sizes;
my $part = int(($total + $readers - 1) / $readers);
$part = int(($part + $block - 1) / $block) * $block;
my @pids;
for my $reader (0 .. $readers - 1) {
    my $start = $reader * $part;
    my $end = $start + $part < $total ? $start + $part : $total;
    next if $start >= $end;
    my $pid = fork // die "par-read: fork: $!\n";
    if ($pid) { push @pids, $pid; next; }
    my $base = 0;
    my $buffer = "\0" x $block;
    for my $i (0 .. $#files) {
        my ($low, $high) = ($start > $base ? $start : $base, $end < $base + $sizes[$i] ? $end : $base + $sizes[$i]);
        if ($high > $low) {
            open(my $fh, "<:raw", $files[$i]) or die "par-read: $files[$i]: $!\n";
            syscall($syscall, fileno($fh), 0, 0, 2) if $syscall; # POSIX_FADV_SEQUENTIAL, whole file
            sysseek($fh, $low - $base, 0) or die "par-read: seek $files[$i]: $!\n";
            my $left = $high - $low;
            while ($left > 0) {
                my $got = sysread($fh, $buffer, $left < $block ? $left : $block);
                die "par-read: read $files[$i]: $!\n" unless defined $got;
                die "par-read: $files[$i] ended early\n" if $got == 0;
                $left -= $got;
            }
            close($fh);
        }
        $base += $sizes[$i];
    }
    exit 0;
}
my $status = 0;
for my $pid (@pids) { waitpid($pid, 0); $status = 1 if $? != 0; }
exit $status;
' "$1" "$fadvise_syscall" "${@:2}"
