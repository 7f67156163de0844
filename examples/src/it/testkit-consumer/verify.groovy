label = 'testkit-consumer'
bootVersion = springBootVersion
return evaluate(new File(basedir, 'check.groovy'))
