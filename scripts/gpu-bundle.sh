#!/usr/bin/env bash
# Builds, HERE (Java 17 + Maven), what scripts/gpu-check.sh needs on a GPU machine that has no Java:
# a minimal Java runtime made with jlink, the jars for `doctor`, the CUDA correctness suite and the
# kernel benchmark (no DJL/PyTorch jars: that machine runs the cuda backend), the compiled test
# classes, JUnit's console launcher and our PTX (inside the kernels jar), as ONE archive:
#   build/gpu-bundle.tar.gz   (carry `build` to the GPU machine; it must stay under 60 MiB)
# usage: scripts/gpu-bundle.sh [--skip-build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
limit_bytes=$((60 * 1024 * 1024))
stage="$root/build/gpu-bundle"
archive="$root/build/gpu-bundle.tar.gz"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"

step() { echo "[gpu-bundle] $*"; }

if [[ "${1:-}" != "--skip-build" ]]; then
  step "building kernels and app (tests compiled, not run)"
  mvn -B -q -pl kernels,app -am -DskipTests package
fi
[[ -f kernels/target/classes/ptx/index.txt ]] || step "WARNING: this build has no PTX (no nvcc here); the GPU check will say so"

rm -rf "$stage" "$archive"
mkdir -p "$stage/lib" "$stage/test-classes"

step "collecting jars: JCuda, AssertJ (with Byte Buddy), picocli, ours; no DJL, no JUnit (the launcher has it)"
classpath_file="$(mktemp)"
mvn -B -q -pl kernels dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file" >/dev/null
tr ':' '\n' <"$classpath_file" | grep -e '/org/jcuda/jcuda/' -e '/org/assertj/' -e '/net/bytebuddy/' \
  | while read -r jar; do cp "$jar" "$stage/lib/"; done
natives_jar="$(tr ':' '\n' <"$classpath_file" | grep '/jcuda-natives/' | head -1)"
rm -f "$classpath_file"
picocli="$(find ~/.m2/repository/info/picocli/picocli -name "picocli-$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml).jar" | head -1)"
cp "$picocli" "$stage/lib/"
cp kernels/target/ringmaster-kernels-*.jar app/target/ringmaster.jar "$stage/lib/"
cp -r kernels/target/test-classes/. "$stage/test-classes/"

# JCuda's natives jar also carries the PTX compiler and runtime libraries (24 MB); the driver API
# needs only libJCudaDriver, which JCuda finds as /lib/<name> on the class path.
step "slimming JCuda's natives to the driver library"
slim="$(mktemp -d)"
(cd "$slim" && unzip -q "$natives_jar" 'lib/libJCudaDriver-*' 'META-INF/MANIFEST.MF' && jar cfm "$stage/lib/jcuda-natives-driver.jar" META-INF/MANIFEST.MF lib)
rm -rf "$slim"

junit_platform="$(sed -n 's:.*<junit.version>5\.\(.*\)</junit.version>.*:1.\1:p' pom.xml)"  # Jupiter 5.x.y ships with platform 1.x.y
step "fetching JUnit's console launcher $junit_platform"
mvn -B -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_platform" \
  -DoutputDirectory="$stage" >/dev/null
mv "$stage/junit-platform-console-standalone-$junit_platform.jar" "$stage/junit-console.jar"

step "finding the Java modules the jars use (jdeps)"
jars=("$stage"/lib/*.jar "$stage/junit-console.jar")
modules="$("$java_home/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
  "${jars[@]}" "$stage/test-classes" 2>/dev/null | tail -1)"
[[ "$modules" =~ ^[a-z.,]+$ ]] || { step "jdeps did not list modules: $modules"; exit 1; }
# doctor reads physical memory through com.sun.management (jdk.management); JUnit reports use java.xml.
modules="$(echo "$modules,jdk.management,java.xml,jdk.unsupported" | tr , "\n" | sort -u | paste -sd,)"
step "jlink: $modules"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$stage/jre"

{
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- kernels app scripts || echo ' (with uncommitted changes)')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $("$java_home/bin/java" -version 2>&1 | head -1)"
  echo "ptx $(cat kernels/target/classes/ptx/built-with.txt 2>/dev/null || echo 'none: nvcc was not found')"
  echo "modules $modules"
} >"$stage/MANIFEST.txt"
"$stage/jre/bin/java" -version >/dev/null 2>&1 || { step "the jlink runtime does not start"; exit 1; }

tar -C "$root/build" -czf "$archive" gpu-bundle
bytes=$(stat -c %s "$archive")
step "$(du -sh "$stage" | cut -f1) unpacked; archive $archive: $(awk -v b="$bytes" 'BEGIN{printf "%.1f MiB", b/1048576}')"
rm -rf "$stage"  # build/ then holds only the archive, which is what travels
if ((bytes > limit_bytes)); then
  step "FAILED: the archive is over 60 MiB"
  exit 1
fi
step "on the GPU machine, in the repository root: bash scripts/gpu-check.sh build/gpu-bundle.tar.gz"
