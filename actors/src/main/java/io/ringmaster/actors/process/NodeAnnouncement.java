package io.ringmaster.actors.process;

import java.util.Optional;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;

/**
 * The one line a node prints on stdout once it listens, so that a parent that started it on a free
 * port ({@link WorkerProcesses}) learns its address without guessing ports in advance.
 */
public final class NodeAnnouncement {
  static final String PREFIX = "ringmaster-node-listening ";

  private NodeAnnouncement() {}

  public static void announce(Address address) {
    System.out.println(line(address));
    System.out.flush();
  }

  static String line(Address address) {
    return PREFIX + address + " pid=" + ProcessHandle.current().pid();
  }

  static Optional<Address> parse(String line) {
    if (!line.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = line.substring(PREFIX.length());
    int space = rest.indexOf(' ');
    return Optional.of(AddressFromURIString.parse(space < 0 ? rest : rest.substring(0, space)));
  }
}
