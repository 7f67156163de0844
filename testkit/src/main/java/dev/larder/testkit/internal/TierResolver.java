package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import dev.larder.testkit.Tier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Turns a {@link Settings.Choice} into a {@link Tier}, asking whether Docker answers only for auto. */
public final class TierResolver {

    private TierResolver() {}

    /**
     * Resolves a choice.
     *
     * @param resolved the choice and its source
     * @param dockerProblem returns {@code null} when a Docker engine answers, else why not
     * @return the tier
     * @throws TestServerException if docker was chosen explicitly and no engine answers
     */
    public static Tier resolve(Settings.Resolved resolved, Supplier<@Nullable String> dockerProblem) {
        switch (resolved.choice()) {
            case EMBEDDED:
                return Tier.EMBEDDED;
            case DOCKER: {
                String problem = dockerProblem.get();
                if (problem != null) {
                    throw new TestServerException("Tier docker was chosen by " + resolved.source()
                            + " but no Docker engine answers: " + problem
                            + ". Start one (.ci/docker-tier.sh does), or choose embedded.");
                }
                return Tier.DOCKER;
            }
            default:
                return dockerProblem.get() == null ? Tier.DOCKER : Tier.EMBEDDED;
        }
    }
}
