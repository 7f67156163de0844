// Shared by testkit-consumer and testkit-consumer-boot4 (each sets `label` and `bootVersion`).
def log = new File(basedir, 'build.log').text
assert log.contains('BUILD SUCCESS')
assert log.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0') : "the round trip did not run and pass"
def api = (log =~ /consumer classpath: junit-jupiter-api-(\S+)\.jar/)
assert api.find() : "the test did not print the JUnit it ran with"
def junit = api.group(1)
assert junit != larderJunitVersion : "JUnit ${junit} is Larder's own; Spring Boot's managed version should have won"
println "${label}: LarderCache round trip passed on Spring Boot ${bootVersion}'s JUnit ${junit} (Larder builds with ${larderJunitVersion})"
return true
