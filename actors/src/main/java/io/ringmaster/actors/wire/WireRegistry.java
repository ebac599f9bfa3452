package io.ringmaster.actors.wire;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.ringmaster.kernels.HostTensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The classes that may cross the wire, each with an explicit id. Both ends build the same registry
 * from the same classpath and configuration, so an id means the same class on every node; Kryo is
 * told to refuse anything else. Ids below {@link #FIRST_PROTOCOL_ID} belong to the serializer
 * itself (listed here); protocol classes come from {@code ringmaster.wire.registrations}.
 */
public final class WireRegistry {
  public static final String REGISTRATIONS_PATH = "ringmaster.wire.registrations";
  public static final int FIRST_PROTOCOL_ID = 100;

  // Kryo pre-registers ids 0..9 (int, String, float, boolean, byte, char, short, long, double, void);
  // these ids are part of the wire format: never renumber, only add.
  private static final List<WireRegistration> BUILT_IN = List.of(
      new WireRegistration(10, float[].class),
      new WireRegistration(11, int[].class),
      new WireRegistration(12, long[].class),
      new WireRegistration(13, double[].class),
      new WireRegistration(14, byte[].class),
      new WireRegistration(15, boolean[].class),
      new WireRegistration(16, String[].class),
      new WireRegistration(20, ArrayList.class),
      new WireRegistration(21, List.of().getClass()),
      new WireRegistration(22, List.of(1).getClass()),
      new WireRegistration(23, Map.of().getClass()),
      new WireRegistration(24, Map.of(1, 1).getClass()),
      new WireRegistration(30, ActorRef.class),
      new WireRegistration(40, HostTensor.class),
      new WireRegistration(50, Parcel.class),
      new WireRegistration(51, BulkInbox.Chunk.class),
      new WireRegistration(52, BulkOutbox.Ack.class),
      new WireRegistration(53, BulkInbox.Whole.class));

  private final List<WireRegistration> registrations;
  private final Map<Integer, Class<?>> classById;
  private final Map<Class<?>, Integer> idByClass;

  private WireRegistry(List<WireRegistration> registrations) {
    this.registrations = List.copyOf(registrations);
    this.classById = new HashMap<>();
    this.idByClass = new HashMap<>();
    for (WireRegistration registration : registrations) {
      classById.put(registration.id(), registration.type());
      idByClass.put(registration.type(), registration.id());
    }
  }

  public static WireRegistry fromConfig(Config config, ClassLoader classLoader) {
    TreeMap<Integer, WireRegistration> byId = new TreeMap<>();
    BUILT_IN.forEach(registration -> byId.put(registration.id(), registration));
    for (Map.Entry<String, ConfigValue> entry : config.getObject(REGISTRATIONS_PATH).entrySet()) {
      WireRegistration registration = protocolRegistration(entry.getKey(), entry.getValue(), classLoader);
      WireRegistration clash = byId.putIfAbsent(registration.id(), registration);
      if (clash != null) {
        throw new ConfigException.BadValue(REGISTRATIONS_PATH, "id " + registration.id() + " is given to both "
            + clash.type().getName() + " and " + registration.type().getName());
      }
    }
    return new WireRegistry(new ArrayList<>(byId.values()));
  }

  private static WireRegistration protocolRegistration(String className, ConfigValue value, ClassLoader classLoader) {
    String field = REGISTRATIONS_PATH + ".\"" + className + "\"";
    if (!(value.unwrapped() instanceof Number number) || number.intValue() != number.doubleValue()) {
      throw new ConfigException.BadValue(field, "expected an integer wire id, got " + value.render());
    }
    int id = number.intValue();
    if (id < FIRST_PROTOCOL_ID) {
      throw new ConfigException.BadValue(field, "expected an id >= " + FIRST_PROTOCOL_ID + " (lower ids are the serializer's own), got " + id);
    }
    try {
      return new WireRegistration(id, Class.forName(className, false, classLoader));
    } catch (ClassNotFoundException e) {
      throw new ConfigException.BadValue(field, "no such class on the classpath");
    }
  }

  /** Every registration, ordered by id. */
  public List<WireRegistration> registrations() {
    return registrations;
  }

  public int idOf(Class<?> type) {
    Integer id = idByClass.get(type);
    if (id == null) {
      throw new IllegalArgumentException(unregisteredMessage(type));
    }
    return id;
  }

  public Class<?> classOf(int id) {
    Class<?> type = classById.get(id);
    if (type == null) {
      throw new IllegalArgumentException("wire id " + id + " is not registered here: the sender's "
          + REGISTRATIONS_PATH + " differs from this node's (same build on every node?)");
    }
    return type;
  }

  static String unregisteredMessage(Class<?> type) {
    return type.getName() + " is not registered for the wire: add it to " + REGISTRATIONS_PATH
        + " (actors/src/main/resources/reference.conf) with an unused id >= " + FIRST_PROTOCOL_ID;
  }
}
