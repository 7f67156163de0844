package dev.larder.checker;

import dev.larder.cache.LarderCache;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.RedisServer;
import dev.larder.testkit.Tier;

/** What a {@link Fault} acts on: the servers of the run and its cache instances. */
public interface FaultContext {

  /**
   * The tier the servers run in.
   *
   * @return embedded or docker
   */
  Tier tier();

  /**
   * The Redis server every instance uses.
   *
   * @return the server
   */
  RedisServer redis();

  /**
   * The PostgreSQL primary and standby.
   *
   * @return the cluster
   */
  PostgresCluster postgres();

  /**
   * How many cache instances run.
   *
   * @return the count
   */
  int instances();

  /**
   * One cache instance.
   *
   * @param instance its index
   * @return the cache
   */
  LarderCache<Long> cache(int instance);

  /**
   * The switch on one instance's loader, for loader faults.
   *
   * @param instance its index
   * @return the switch
   */
  LoaderSwitch loader(int instance);

  /** Makes one instance's loader misbehave. */
  interface LoaderSwitch {
    /**
     * The loader reads the database, then blocks until {@link #heal()} (or far past loadTimeout).
     */
    void hang();

    /** The loader throws without reading. */
    void fail();

    /** The loader works again; blocked loads return what they read. */
    void heal();
  }
}
