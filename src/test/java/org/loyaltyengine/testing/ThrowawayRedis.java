package org.loyaltyengine.testing;

import java.io.IOException;
import java.net.Socket;

/**
 * A redis-server of the test's own on a free port, for tests that kill or freeze Redis: the shared Redis
 * is never stopped. Keeps nothing on disk.
 */
public final class ThrowawayRedis {
  private ThrowawayRedis() {}

  /** Starts redis-server on {@code port} and waits until it accepts connections. */
  public static Process start(int port) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("throwaway redis-server did not start on port " + port);
  }

  /** SIGSTOP / SIGCONT: a Redis that accepts connections but answers nothing, then answers again. */
  public static void freeze(Process redis) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-STOP", Long.toString(redis.pid())).start().waitFor();
  }

  public static void resume(Process redis) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-CONT", Long.toString(redis.pid())).start().waitFor();
  }
}
