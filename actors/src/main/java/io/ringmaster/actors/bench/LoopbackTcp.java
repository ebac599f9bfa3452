package io.ringmaster.actors.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Raw loopback TCP between the same two processes as the Pekko measurement: the ceiling that
 * remoting is compared with. Blocks are a length and that many bytes; the sink answers each with
 * one byte, and the sender keeps at most {@code window} blocks unanswered, as the Pekko side does.
 */
final class LoopbackTcp {
  private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

  private LoopbackTcp() {}

  /** Starts a sink thread on a free loopback port that serves connections one after the other; returns the port. */
  static int startSink() throws IOException {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread sink = new Thread(() -> {
      while (true) {
        try (Socket socket = server.accept()) {
          drain(socket);
        } catch (IOException e) {
          // the bench closed its connection; wait for the next
        }
      }
    }, "bench-tcp-sink");
    sink.setDaemon(true);
    sink.start();
    return server.getLocalPort();
  }

  private static void drain(Socket socket) throws IOException {
    socket.setReceiveBufferSize(SOCKET_BUFFER_BYTES);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
    byte[] block = new byte[0];
    while (true) {
      int length = in.readInt();
      if (block.length < length) {
        block = new byte[length];
      }
      in.readFully(block, 0, length);
      out.write(1);
      out.flush();
    }
  }

  /** Sends {@code blocks} blocks of {@code blockBytes}; returns the blocks answered before {@code deadlineNanos}. */
  static Transfer send(int port, int blockBytes, int blocks, int window, long deadlineNanos) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      socket.setTcpNoDelay(true);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] block = new byte[blockBytes];
      Semaphore unanswered = new Semaphore(window);
      AtomicInteger answered = new AtomicInteger();
      Thread reader = new Thread(() -> {
        try {
          while (answered.get() < blocks) {
            in.readByte();
            answered.incrementAndGet();
            unanswered.release();
          }
        } catch (IOException e) {
          // the socket closed at the deadline
        }
      }, "bench-tcp-acks");
      long startNanos = System.nanoTime();
      reader.start();
      for (int sent = 0; sent < blocks && System.nanoTime() < deadlineNanos; sent++) {
        if (!unanswered.tryAcquire(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
        out.writeInt(blockBytes);
        out.write(block);
        out.flush();
      }
      reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
      long elapsedNanos = System.nanoTime() - startNanos;
      return new Transfer(answered.get(), (long) answered.get() * blockBytes, elapsedNanos, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }
}
