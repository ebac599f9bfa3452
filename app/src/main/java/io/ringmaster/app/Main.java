package io.ringmaster.app;

/** Entry point of the {@code ringmaster} launcher. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("ringmaster: skeleton");
  }
}
