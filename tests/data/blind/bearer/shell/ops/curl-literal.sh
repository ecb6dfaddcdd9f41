#!/bin/sh
# quick check from the bastion
curl -s https://api.autype.com/api/v1/dev/images -H "Authorization: Bearer ak_0XAnoucMEvKMRaFkTud-1jjJ6Ds0jPPsoGmhH"
echo
