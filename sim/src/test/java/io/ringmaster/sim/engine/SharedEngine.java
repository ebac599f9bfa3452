package io.ringmaster.sim.engine;

/** One simulation engine (one actor system) for every test of the JVM, stopped when the JVM ends. */
public final class SharedEngine {
  private static SimulationEngine engine;

  private SharedEngine() {}

  public static synchronized SimulationEngine get() {
    if (engine == null) {
      engine = new SimulationEngine();
      Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
    }
    return engine;
  }
}
