package dev.larder.testkit.internal;

import dev.larder.testkit.ManagedServer;

/**
 * The fault hooks every server shares, delegated to its {@link Lifecycle} (a process or a
 * container), so each server type only adds what is its own: addresses and clients.
 */
public abstract class LifecycleServer implements ManagedServer {

  /** For subclasses. */
  protected LifecycleServer() {}

  /**
   * The process or container control the hooks act on.
   *
   * @return the current lifecycle
   */
  protected abstract Lifecycle lifecycle();

  @Override
  public final void stop() {
    lifecycle().stop();
  }

  @Override
  public final void start() {
    lifecycle().start();
  }

  @Override
  public final void pause() {
    lifecycle().pause();
  }

  @Override
  public final void resume() {
    lifecycle().resume();
  }

  @Override
  public final boolean isRunning() {
    return lifecycle().isRunning();
  }
}
