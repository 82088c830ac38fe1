# Sourced by the bench scripts, from the repository root: how they build and start the benchmark
# classes, written once.

# The classpath of the bench classes into $cp (the modules' classes, then every dependency Maven
# resolved), from the last build.
bench_cp() {
  cp="api/target/classes:trainer-image/target/classes:bench/target/classes:$(cat bench/target/classpath.txt)"
}

# Compiles the bench module and the modules it depends on (offline), then sets $cp.
bench_classpath() {
  "$PWD/mvnw" -B -o -q -pl bench -am compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt >/dev/null
  bench_cp
}

# tcmalloc into $preload, as both PyTorch peers are run with it (see BENCHMARKS.md). "required":
# stop with the package to install when it is missing; "optional": leave $preload empty then.
bench_tcmalloc() {
  local lib=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
  preload=
  if [[ -e $lib ]]; then
    preload=$lib
  elif [[ $1 == required ]]; then
    echo "tcmalloc missing: apt-get install -y libtcmalloc-minimal4 (or --glibc)" >&2
    exit 2
  fi
}

# The figures of a GNU `time -v` report into $kb (peak RSS, KiB), $wall and $status ("0", or
# "terminated by signal N" for a process killed, e.g. by a memory limit); 0 / ? when missing.
bench_time_report() {
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1")
  status=$(grep -oE 'terminated by signal [0-9]+' "$1" || sed -n 's/.*Exit status: //p' "$1")
  kb=${kb:-0} wall=${wall:-?} status=${status:-?}
}
