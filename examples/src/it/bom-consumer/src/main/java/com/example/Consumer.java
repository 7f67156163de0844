package com.example;

import dev.larder.core.KeyNamespace;

public final class Consumer {
  public static String key() {
    return KeyNamespace.of("consumer", 1).qualify("k");
  }
}
