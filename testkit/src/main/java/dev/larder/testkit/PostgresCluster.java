package dev.larder.testkit;

import java.time.Duration;

/**
 * A PostgreSQL primary and a hot standby fed by real streaming replication: the standby runs in
 * recovery ({@code pg_is_in_recovery()} is true), accepts read-only queries and replays the
 * primary's WAL as it arrives. Isolate tests by database ({@link #createDatabase(String)}) or
 * schema; the cluster is shared by every test in the JVM.
 */
public interface PostgresCluster {

  /**
   * The primary, which accepts writes.
   *
   * @return the primary
   */
  PostgresServer primary();

  /**
   * The hot standby, read-only, streaming from the primary.
   *
   * @return the standby
   */
  PostgresServer standby();

  /**
   * Creates a fresh database on the primary and waits until the standby has replayed it, so the
   * returned name can be used on both servers at once.
   *
   * @param hint a readable part for the name (a test name); it is lower-cased and characters other
   *     than letters, digits and {@code _} are replaced
   * @return the new database's name, unique in this JVM, at most 63 characters
   * @throws IllegalStateException if replay is paused on the standby or its WAL receiver is cut
   *     (the database would never appear there), or either server is stopped or paused
   * @throws TestServerException if the standby does not show the database within 30 s
   */
  String createDatabase(String hint);

  /**
   * Pauses WAL replay on the standby ({@code pg_wal_replay_pause()}); the standby keeps receiving
   * WAL but stops applying it, so it lags behind on purpose.
   *
   * @throws TestServerException if the standby does not answer
   */
  void pauseReplay();

  /**
   * Resumes WAL replay on the standby ({@code pg_wal_replay_resume()}).
   *
   * @throws TestServerException if the standby does not answer
   */
  void resumeReplay();

  /**
   * Cuts the standby off from the primary without stopping it: its WAL receiver stops and is not
   * restarted ({@code ALTER SYSTEM SET primary_conninfo = ''} and {@code pg_reload_conf()}, which
   * PostgreSQL 13 and later apply on reload), so the standby keeps running in recovery and
   * answering queries with the data it had, while new writes on the primary never reach it. This is
   * the standby a network partition or a broken replication connection leaves behind, seen from its
   * clients. Returns once {@code pg_stat_wal_receiver} shows no receiver. Undo it with {@link
   * #restoreWalReceiver()} (in a {@code finally}: the cluster is shared).
   *
   * @throws IllegalStateException if the receiver is already cut
   * @throws TestServerException if the standby does not answer or its receiver does not stop within
   *     30 s
   */
  void cutWalReceiver();

  /**
   * Undoes {@link #cutWalReceiver()}: restores the standby's original {@code primary_conninfo},
   * reloads its configuration and waits until its WAL receiver streams again (it then catches up by
   * itself). Does nothing if the receiver is not cut.
   *
   * @throws TestServerException if the standby does not answer or does not stream again within 30 s
   */
  void restoreWalReceiver();

  /**
   * Measures the standby's replay lag now (one query on each server).
   *
   * @return the lag
   * @throws TestServerException if either server does not answer
   */
  ReplicationLag lag();

  /**
   * Waits until the standby has replayed the primary's WAL up to the LSN the primary reports when
   * this method is called.
   *
   * @param timeout how long to wait
   * @throws TestServerException if the standby has not caught up within {@code timeout} (the
   *     message gives the lag and says whether replay is paused)
   */
  void awaitStandbyCaughtUp(Duration timeout);
}
