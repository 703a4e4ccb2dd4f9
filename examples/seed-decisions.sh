#!/bin/sh
# The seed decisions and grants (the same data as decisions.csv, grants.csv
# and payments.csv beside this script), recorded one command at a time.
#
#   pathway init && sh examples/seed-decisions.sh
#
# Set PATHWAY to run another binary, e.g. PATHWAY=target/debug/pathway.
# The payments are made up, for trying out reports.
set -eu
pathway() { "${PATHWAY:-pathway}" "$@"; }

# Nottinghamshire PCC, Notice of Decision 2021.021
pathway decision add --ref 2021.021 --commissioner "Nottinghamshire OPCC" \
  --title "Domestic Abuse Partnership Car Pilot" --amount "£47,013" --received 09.03.21 \
  --fund "Community Safety Grant" --spend revenue --budget-year 2021/22 \
  --author "Office of the PCC" \
  --summary "Specialist domestic abuse workers accompany police officers on Friday and Saturday nights in Ashfield and Mansfield, for a year from 1 April 2021." \
  --approval "Chief Finance Officer=10/03/21" --approval "Chief Executive=15/3/21"
pathway decision set-status 2021.021 approved --date 16/3/21
pathway grant add --decision 2021.021 --recipient "Juno Women's Aid" \
  --amount 23966 --start 2021-04-01 --end 2022-03-31 \
  --intermediary "Nottinghamshire County Council" \
  --title "Domestic Abuse Partnership Car Pilot: specialist workers" \
  --purpose "Specialist domestic abuse workers for the partnership car pilot"
pathway grant add --decision 2021.021 --recipient "Nottinghamshire Women's Aid" \
  --amount 23047 --start 2021-04-01 --end 2022-03-31 \
  --intermediary "Nottinghamshire County Council" \
  --title "Domestic Abuse Partnership Car Pilot: specialist workers" \
  --purpose "Specialist domestic abuse workers for the partnership car pilot"

# Nottinghamshire PCC, Notice of Decision 2021.027
pathway decision add --ref 2021.027 --commissioner "Nottinghamshire OPCC" \
  --title "Supported Accommodation: Women in the CJS" --amount 14000 --received 15.03.21 \
  --fund "Community Safety Grant" --spend revenue --budget-year 2021/22 \
  --author "Office of the PCC" \
  --summary "A one-year supported housing pilot for women in the criminal justice system, with a support worker funded jointly with the National Probation Service." \
  --approval "Chief Finance Officer=16/03/21" --approval "Chief Executive=16/3/21"
pathway decision set-status 2021.027 approved --date 16/3/21
pathway grant add --decision 2021.027 --recipient "Nottingham Women's Centre" \
  --amount 14000 --start 2021-04-01 --end 2022-03-31 \
  --match-amount 14000 --match-funder "National Probation Service" \
  --title "Supported Accommodation: Women in the CJS" \
  --purpose "Support worker for the supported accommodation pilot, at tiers T1 to T3"

# MOPAC, decision DMPCD 2015 116
pathway decision add --ref "DMPCD 2015 116" --commissioner "MOPAC" \
  --title "Joint commission of a service for female offenders" --amount "£500,000" \
  --decided 21/12/2015 --fund "MOPAC grant funding budget" --budget-year 2016/17 \
  --author "Deputy Mayor for Policing and Crime" \
  --summary "Enhanced women's centre provision, hub and spoke, in up to 10 London boroughs for 2016/17 and 2017/18."
pathway grant add --decision "DMPCD 2015 116" --recipient "London Community Rehabilitation Company" \
  --amount 500000 --start 2016-04-01 --end 2018-03-31 \
  --title "Enhanced service for female offenders" \
  --purpose "Women's centre hubs and spokes: Lambeth with Southwark, Croydon and Lewisham; the tri-borough with Hounslow, Ealing and Brent" \
  --conditions "A funding agreement signed off by MOPAC's Chief Operating Officer"

# Made-up payments
pathway grant pay 2021.021-1 --amount 5991.50 --date 30/06/21 --note "Q1 instalment"
pathway grant pay 2021.021-1 --amount 5991.50 --date 30/09/21 --note "Q2 instalment"
pathway grant pay 2021.021-2 --amount 5761.75 --date 30/06/21 --note "Q1 instalment"
pathway grant pay 2021.027-1 --amount 3500 --date 01/07/21 --note "Q1 instalment"
pathway grant pay "DMPCD 2015 116-1" --amount 250000 --date 01/04/16 --note "2016/17"
