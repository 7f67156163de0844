package dev.larder.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoClientException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ServerDescription;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Starting sessions and telling "refused by the deployment" apart from other failures. */
final class Sessions {
  private Sessions() {}

  /**
   * Starts a session.
   *
   * @return the session, or null when the deployment does not support sessions
   * @throws RuntimeException any other driver failure, unchanged (e.g. a server selection timeout)
   */
  static @Nullable ClientSession tryStart(MongoClient client, ClientSessionOptions options) {
    ClientSession session;
    try {
      session = client.startSession(options);
    } catch (MongoClientException e) {
      // Older drivers refuse here with a plain MongoClientException once connected; judge by the
      // deployment's state, not by the message.
      if (!(e instanceof MongoTimeoutException) && !supportsSessions(client)) {
        return null;
      }
      throw e;
    }
    // The 5.x driver hands out a session for a standalone server that does not support sessions
    // and fails only when an operation uses it ("Attempting to use a ClientSession while connected
    // to a server that doesn't support sessions"), possibly after other work has run. startSession
    // has waited for a connected view of the deployment, so decide now, before any work.
    if (!supportsSessions(client)) {
      session.close();
      return null;
    }
    return session;
  }

  private static boolean supportsSessions(MongoClient client) {
    return client.getClusterDescription().getLogicalSessionTimeoutMinutes() != null;
  }

  /** Starts a session or fails with {@link SessionsUnsupportedException}. */
  static ClientSession start(MongoClient client, ClientSessionOptions options, String purpose) {
    ClientSession s = tryStart(client, options);
    if (s != null) {
      return s;
    }
    throw refused(client.getClusterDescription(), purpose, null);
  }

  static SessionsUnsupportedException refused(
      ClusterDescription description, String purpose, @Nullable Throwable cause) {
    return new SessionsUnsupportedException(
        "the deployment refused client sessions, so "
            + purpose
            + " is not available: "
            + describe(description)
            + " report no logicalSessionTimeoutMinutes; sessions need a replica set or a sharded cluster",
        cause);
  }

  static String describe(ClusterDescription description) {
    return "cluster type "
        + description.getType()
        + ", members "
        + description.getServerDescriptions().stream()
            .map(Sessions::describe)
            .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String describe(ServerDescription s) {
    String tags = s.getTagSet().iterator().hasNext() ? " tags " + s.getTagSet() : "";
    return s.getAddress() + " " + s.getType() + tags;
  }
}
