def cls = new File(basedir, 'target/classes/com/example/Consumer.class')
assert cls.isFile() : "the consumer did not compile against larder-core resolved through larder-bom"
def log = new File(basedir, 'build.log').text
assert log.contains('BUILD SUCCESS')
return true
