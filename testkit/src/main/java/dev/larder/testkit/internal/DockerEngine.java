package dev.larder.testkit.internal;

/**
 * The two questions the tier decision asks a Docker engine, and nothing else: does it answer, and
 * is an image already on it. Neither may pull an image or start a container (Testcontainers' Ryuk
 * included), and each answer comes within a bound or not at all.
 *
 * <p>A seam, so that {@link TierResolver} can be tested without an engine; {@link
 * TestcontainersDockerEngine} is the real one.
 */
public interface DockerEngine {

  /**
   * Asks whether the engine answers.
   *
   * @return where it answered, for messages (e.g. {@code unix:///var/run/docker.sock})
   * @throws NoAnswer if no engine answers within the bound; the message says why
   */
  String ping() throws NoAnswer;

  /**
   * Asks whether an image is on the engine, without pulling it.
   *
   * @param image the image name as configured
   * @return what was looked up and whether it is there
   * @throws NoAnswer if the engine does not say within the bound
   */
  ImageLookup lookUp(String image) throws NoAnswer;

  /**
   * The answer for one image.
   *
   * @param image the name as configured
   * @param lookedUp the name Testcontainers would run, after its image-name substitution
   * @param present whether the engine has it locally
   */
  record ImageLookup(String image, String lookedUp, boolean present) {}

  /** The engine did not answer, or not in time; the message says which. */
  final class NoAnswer extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why there is no answer
     */
    public NoAnswer(String message) {
      super(message);
    }
  }
}
