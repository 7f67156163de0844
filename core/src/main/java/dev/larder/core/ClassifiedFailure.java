package dev.larder.core;

/**
 * A failure that knows its own {@link FailureClass}, because the code that threw it knows what did
 * and did not happen (for example: no connection to the server could be had, so nothing was sent).
 * larder-resilience's standard classifier asks it before looking at its causes, whose classes may
 * say less (a broken socket during a connection attempt is "outcome unknown" for a statement, but
 * no statement was running).
 */
public interface ClassifiedFailure {

  /**
   * How this failure is judged.
   *
   * @return its class; never {@code null}
   */
  FailureClass failureClass();
}
