"""Common English words, the only input of the offline tokenizer (see build_tokenizer.py).

Changing this text changes the tokenizer: rebuild pybench/assets/tokenizer/ afterwards (a test compares them).
"""

WORDS_TEXT = """
the of and to in is was it for that on as with he be at by this had not are but from or have an they which one you
were her all she there would their we him been has when who will more no if out so said what up its about into than
them can only other new some could time these two may then do first any my now such like our over man me even most
made after also did many before must through back years where much your way well down should because each just those
people how too little state good very make world still own see men work long get here between both life being under
never day same another know while last might us great old year off come since against go came right used take three
states himself few house use during without again place american around however home small found thought went say
part once general high upon school every does got united left number course war until always away something fact
though water less public put think almost hand enough far took head yet government system better set told nothing
night end why called didn find look going asked later knew point next program city business give group toward young
days let room president side social present given several order national possible rather second face per among form
important often things looked early white case john become large big need four within felt along children saw best
church ever least power development light thing seemed family interest want members mind country area others done
turned although open god service certain kind problem began different door thus help sense means whole matter
perhaps itself york times law human line above name example action company hands local show whether five history
gave today either act feet across taken past quite anything having seen death experience body word half really week
free field car words already themselves information tell together college shall money period held keep sure probably
real behind miss political air question making office brought whose special heard major problems ago became federal
moment study available known result street economic boy position reason change south board individual job areas
society west close turn love community true court force full seems art role age wife future either further cost
period plan policy research service action value nature market control report level data model server token speed
cloud stream batch queue cache memory engine request response latency throughput prompt output input cluster node
pool chip core graph table chart metric sample test bench run stage load rate peak mean median limit budget target
between simple steady quick quiet bright dark green blue red yellow orange purple black silver golden river mountain
ocean forest garden valley desert island bridge tower castle village harbor market meadow canyon glacier volcano
coast lake stone sand wind rain snow storm cloud thunder summer winter spring autumn morning evening midnight noon
apple bread butter cheese coffee honey lemon pepper salt sugar tea tomato potato carrot onion garlic rice pasta soup
salad cookie cake pie candy milk juice orange grape melon berry cherry peach plum banana mango olive walnut almond
horse tiger eagle falcon wolf bear fox rabbit deer otter whale dolphin shark turtle lizard snake spider bee ant
butterfly sparrow robin owl crow swan duck goose chicken sheep goat cow pig cat dog mouse lion zebra camel monkey
paper pencil letter story poem song music dance movie picture painting window wall floor roof garden kitchen table
chair lamp clock mirror bottle basket blanket pillow candle ladder hammer needle thread button pocket jacket shirt
shoe boot glove scarf ring crown shield sword arrow anchor compass map ticket coin wallet engine wheel rocket planet
star moon sun comet galaxy orbit signal circuit wire battery motor sensor laptop phone screen keyboard network
answer begin believe bring build carry catch choose climb collect count cover create cross decide deliver describe
design discover draw drive drop explain explore fill finish follow gather grow hold improve include invent join jump
kick laugh learn listen lift measure move notice offer paint pass pay plant play pull push reach read remember
repeat return ride rise run save search send share shine shout sing sit sleep smile solve speak spend stand start
stay stop swim teach throw touch travel try visit wait walk wash watch win wonder write yell agree allow appear
arrive borrow calm clean clear cold cool deep dry easy empty fair fast fine flat fresh gentle happy hard heavy hot
kind late lazy light loud lucky narrow neat new noisy plain polite proud quick rare rich rough round sharp short shy
slow smooth soft solid sour strong sudden sweet tall thick thin tidy tiny warm weak wide wild wise wooden young
brave calm careful cheerful clever curious eager famous friendly funny generous grateful honest humble jolly loyal
modest patient amber azure crimson emerald ivory jade scarlet violet marble copper bronze iron steel crystal velvet
cotton silk wool leather feather shadow echo whisper spark flame smoke dust frost mist breeze wave tide current
pebble shell coral reef lagoon prairie tundra jungle savanna marsh swamp creek brook pond spring fountain well path
trail road avenue lane highway tunnel station airport harbor factory library museum theater stadium hospital bakery
pharmacy school teacher student doctor nurse farmer baker pilot sailor soldier artist writer singer dancer player
driver builder worker leader member friend neighbor parent brother sister cousin uncle aunt daughter son child baby
king queen prince princess knight wizard giant dragon ghost hero captain chief judge mayor
"""

WORDS = WORDS_TEXT.split()
