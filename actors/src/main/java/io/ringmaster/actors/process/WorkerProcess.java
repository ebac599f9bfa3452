package io.ringmaster.actors.process;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;

/** One started worker JVM and, once it has announced it, the cluster address it listens on. */
public final class WorkerProcess {
  private final int index;
  private final String name;
  private final Process process;
  private final CompletableFuture<Address> address = new CompletableFuture<>();

  WorkerProcess(int index, String name, Process process) {
    this.index = index;
    this.name = name;
    this.process = process;
  }

  public int index() {
    return index;
  }

  /** The prefix of its lines in the log, e.g. {@code worker-2}. */
  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The node's cluster address, known once the node has announced it. */
  public Optional<Address> address() {
    return Optional.ofNullable(address.getNow(null));
  }

  Process process() {
    return process;
  }

  void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // the process is gone; so is the pipe
    }
  }

  void announced(Address nodeAddress) {
    address.complete(nodeAddress);
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + address().map(a -> ", " + a).orElse("") + ")";
  }
}
