package dev.larder.testkit.internal;

/** The fault hooks of one process or container, plus the final teardown. */
public interface Lifecycle {

    /** Starts (or restarts) and waits until ready. */
    void start();

    /** Stops and waits until gone. */
    void stop();

    /** Freezes. */
    void pause();

    /** Thaws. */
    void resume();

    /**
     * Whether started and not paused.
     *
     * @return the state
     */
    boolean isRunning();

    /** Final teardown at JVM exit: thaw, stop, remove. Never throws. */
    void destroy();
}
