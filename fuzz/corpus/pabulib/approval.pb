META
key;value
description;BO gminy Siechnice - pula ogolnogminna (przyklad)
country;Poland
unit;Siechnice
instance;2026
num_projects;4
num_votes;6
budget;500000
vote_type;approval
rule;greedy
date_begin;01.09.2025
date_end;15.09.2025
min_length;1
max_length;2
PROJECTS
project_id;cost;votes;name;category;selected
1;300000;4;"Plac zabaw; etap I";sport,education;1
2;250000;3;Sciezka rowerowa;transport;0
3;150000;3;"""Zielony"" skwer";environment;1
4;50000;1;Lawki;public space;1
VOTES
voter_id;vote;age;sex;voting_method
v1;1,2;34;F;internet
v2;1,3;51;M;paper
v3;2,3;23;M;internet
v4;1;19;F;internet
v5;1,3;62;F;paper
v6;2,4;44;M;internet