package io.ringmaster.actors.bench;

/** What one measurement moved, and in how long. */
record Transfer(int blocks, long bytes, long nanos) {
  double bytesPerSecond() {
    return nanos == 0 ? 0 : bytes * 1e9 / nanos;
  }
}
