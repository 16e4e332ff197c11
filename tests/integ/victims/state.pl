# Victim: a perl interpreter holding state (a hash, a file offset, a signal
# handler, cwd). Same protocol as state.py: DIR/ready, then SIGUSR1 counts,
# SIGUSR2 ends the loop, and it checks its state and prints PASS or FAIL.
use strict;
use warnings;
use Cwd;
use Digest::MD5 qw(md5_hex);
use POSIX ();
use Time::HiRes qw(sleep);

my $d = $ARGV[0];
POSIX::close($_) for 3 .. 255;
my %h = map { $_ => $_ * $_ } 1 .. 100000;
my $sum = md5_hex(join ",", map { "$_=$h{$_}" } sort { $a <=> $b } keys %h);
open(my $f, "<", "$d/data.txt") or die;
read($f, my $buf, 10);
mkdir "$d/pl dir";
chdir "$d/pl dir" or die;
my $cwd = getcwd();
my ($usr1, $stop, $ticks) = (0, 0, 0);
$SIG{USR1} = sub { $usr1++ };
$SIG{USR2} = sub { $stop = 1 };
open(my $r, ">", "$d/ready") or die;
print $r "$$\n";
close $r;
until ($stop) { sleep 0.05; $ticks++ }
my @fails;
push @fails, "hash" if md5_hex(join ",", map { "$_=$h{$_}" } sort { $a <=> $b } keys %h) ne $sum;
push @fails, "SIGUSR1 handler" if $usr1 < 1;
read($f, $buf, 5);
push @fails, "file offset" if $buf ne "abcde";
push @fails, "cwd" if getcwd() ne $cwd;
push @fails, "did not carry on" if $ticks < 2;
print "FAIL: $_\n" for @fails;
print @fails ? "FAIL\n" : "PASS\n";
exit(@fails ? 1 : 0);
