label = 'testkit-consumer-boot4'
bootVersion = springBoot4Version
return evaluate(new File(basedir, '../testkit-consumer/check.groovy'))
