package dev.larder.mongo.internal;

import com.mongodb.MongoClientSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.mongodb.MongoMetricsCommandListener;
import io.micrometer.core.instrument.binder.mongodb.MongoMetricsConnectionPoolListener;

/**
 * Wires Micrometer's MongoDB binders into client settings. Kept apart so that Micrometer, an
 * optional dependency, is only loaded when a registry is given. Stateless and thread-safe.
 */
public final class MicrometerListeners {
  private MicrometerListeners() {}

  /**
   * Adds the command and connection pool listeners.
   *
   * @param builder the settings being built
   * @param registry where the meters go
   */
  public static void install(MongoClientSettings.Builder builder, MeterRegistry registry) {
    builder.addCommandListener(new MongoMetricsCommandListener(registry));
    builder.applyToConnectionPoolSettings(
        pool -> pool.addConnectionPoolListener(new MongoMetricsConnectionPoolListener(registry)));
  }
}
