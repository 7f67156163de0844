package dev.larder.testkit;

import javax.sql.DataSource;

/** One PostgreSQL server of a {@link PostgresCluster}: the primary or the hot standby. */
public interface PostgresServer extends ManagedServer {

  /**
   * The host clients connect to.
   *
   * @return always {@code 127.0.0.1}
   */
  String host();

  /**
   * The port clients connect to; it stays the same across {@link #stop()} and {@link #start()}.
   *
   * @return the TCP port
   */
  int port();

  /**
   * A JDBC URL for the server's default database.
   *
   * @return a URL such as {@code jdbc:postgresql://127.0.0.1:54321/larder}
   */
  String jdbcUrl();

  /**
   * A JDBC URL for the given database on this server.
   *
   * @param database the database name, for example one returned by {@link
   *     PostgresCluster#createDatabase(String)}
   * @return the URL
   */
  String jdbcUrl(String database);

  /**
   * The user the testkit created, a superuser (tests may create roles, databases, publications).
   *
   * @return the user name
   */
  String username();

  /**
   * The user's password (the embedded tier accepts any password on loopback).
   *
   * @return the password
   */
  String password();

  /**
   * An unpooled data source ({@code PGSimpleDataSource}) for the given database with the testkit's
   * credentials and a 5 s connect timeout. Every {@code getConnection()} opens a new connection;
   * wrap it in a pool if the test needs one.
   *
   * @param database the database name
   * @return a new data source
   */
  DataSource dataSource(String database);
}
