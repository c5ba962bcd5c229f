/** The introduction of `/docs` (Markdown, French: partners read it). */
export const API_DESCRIPTION = `
API partenaires d'API Engagement : les **annonceurs** publient leurs missions de bénévolat et de volontariat,
les **diffuseurs** les redistribuent. Cette version est compatible avec l'API actuelle (mêmes chemins, en-têtes,
paramètres et champs JSON) ; les écarts volontaires sont listés plus bas.

## Authentification
Envoyez votre clé API dans l'en-tête \`x-api-key\` (l'ancien en-tête \`apikey\` est toujours accepté) :

\`\`\`
curl -H "x-api-key: VOTRE_CLE" https://…/v0/mymission
\`\`\`

Une clé manquante, invalide ou révoquée donne \`401\` avec \`{"ok":false,"code":"UNAUTHORIZED","message":"…"}\`.
Les clés sont conservées sous forme d'empreinte : une clé perdue ne peut pas être réaffichée, seulement remplacée.

## Réponses et erreurs
- Succès : \`{"ok": true, "data": …}\` (les listes ajoutent \`total\`, et \`limit\`/\`skip\` pour les listes paginées).
- Erreur : \`{"ok": false, "code": "…", "message": "…"}\`. Le message, en français, dit quoi corriger ; pour les erreurs
  de validation, \`errors\` détaille chaque champ (\`[{"field": "places", "message": "…"}]\`).
- Codes : \`INVALID_QUERY\`, \`INVALID_PARAMS\`, \`INVALID_BODY\` (400), \`UNAUTHORIZED\` (401), \`FORBIDDEN\` (403),
  \`NOT_FOUND\` (404, y compris pour une route inconnue), \`RESSOURCE_ALREADY_EXIST\` (409), \`PAYLOAD_TOO_LARGE\` (413),
  \`UNSUPPORTED_MEDIA_TYPE\` (415 : le corps n'est pas du JSON), \`TOO_MANY_REQUESTS\` (429), \`SERVER_ERROR\` (500).
- Chaque réponse porte un en-tête \`x-request-id\` (repris de la requête s'il est fourni) : citez-le en cas de problème.

## Limites
- 600 requêtes par minute et par partenaire (configurable). Les en-têtes \`X-RateLimit-Limit\`, \`X-RateLimit-Remaining\`
  et \`X-RateLimit-Reset\` (secondes) accompagnent chaque réponse ; au-delà : \`429\` avec \`Retry-After\`.
- Corps JSON limité à 1 Mo par défaut.

## Publier des missions (annonceurs)
1. \`POST /v2/mission\` crée une mission. Elle passe la **modération automatique** (18 règles) : si une règle échoue,
   la mission est enregistrée avec \`statusCode: "REFUSED"\` et la raison dans \`statusComment\` (réponse \`201\` quand même).
   Seules les missions \`ACCEPTED\` sont diffusées.
2. \`PUT /v2/mission/{clientId}\` modifie seulement les champs envoyés (\`addresses\` remplace toutes les adresses).
3. \`DELETE /v2/mission/{clientId}\` retire la mission (suppression douce, idempotente).

## Publier par flux XML (annonceurs)
Le flux XML (racine \`<source>\`, une \`<mission>\` par mission, format historique inchangé) est importé **chaque
heure** depuis l'adresse réglée avec \`PUT /v2/publisher/feed\` (identifiants HTTP Basic possibles).
- **Avant de le brancher** : \`POST /v2/feed/validate\` (le XML en \`application/xml\`, ou \`{"url": …}\`) renvoie le
  rapport complet d'un import — créations, modifications, suppressions, missions refusées ou ignorées et pourquoi —
  sans rien écrire.
- **Après chaque import** : \`GET /v2/imports\` (historique et compteurs) et \`GET /v2/imports/{id}\` (la liste des
  problèmes, mission par mission : \`clientId\`, ligne du flux, élément, message).
- **Sécurité du catalogue** : un flux injoignable, en erreur ou mal formé ne supprime rien. Un flux qui perd plus de
  la moitié de ses missions d'un coup ne supprime rien non plus : l'import se termine avec un avertissement et les
  suppressions attendent une confirmation (\`engagement import --publisher ID --confirm-deletions\`). Seul un flux
  en échec depuis 7 jours voit ses missions retirées ; elles reviennent au premier import réussi.
- Un flux inchangé (\`ETag\`/\`Last-Modified\` : réponse \`304\`) est un import réussi sans rien à faire ; une
  mission inchangée n'est pas réécrite ; une mission supprimée qui revient est restaurée (même identifiant).
- L'adresse du flux doit être publique (http ou https) : adresses privées, locales et identifiants dans l'URL sont
  refusés. Taille maximale 1 Go (gzip et deflate acceptés), 3 redirections au plus.

## Diffuser des missions (diffuseurs)
\`GET /v0/mission\` (liste), \`GET /v0/mission/search\` (avec facettes) et \`GET /v0/mission/{id}\` renvoient les
missions que vous pouvez diffuser, au format historique (aussi servies sous \`/v2/mission\` en GET). Chaque mission
porte un \`applicationUrl\` suivi (\`…/r/{missionId}/{votreId}\`) : utilisez-le tel quel comme lien de candidature.

- **Toujours à jour** : une mission publiée, modifiée ou retirée par un annonceur, et tout changement de règle de
  diffusion, sont pris en compte dès la requête suivante (aujourd'hui : jusqu'à 6 heures).
- **Vrai rayon** : \`lat\`, \`lon\` et \`distance\` (\`25km\`, \`800m\`, défaut 50 km) sélectionnent les missions dont
  une adresse est dans le cercle (aujourd'hui : un carré). \`_distance\` (sur \`/search\`) est la distance en km
  jusqu'à l'adresse la plus proche. Les missions \`remote=local\` restent incluses, sauf si \`remote\` les exclut.
- **Recherche plein texte** : \`keywords\` cherche dans le titre, la description, le nom de l'organisation et la
  commune, sans tenir compte des accents ni de la casse, avec les variantes d'un même mot (« bénévoles » trouve
  « bénévole ») ; tous les mots doivent être présents. \`sort=relevance\` classe par pertinence.
- **Tris** : \`sort=startAt\` (défaut, date de début décroissante), \`distance\`, \`createdAt\`, \`updatedAt\`, \`relevance\`.
- **Facettes exactes** : sur \`/search\`, \`facets\` compte l'ensemble des résultats (aujourd'hui : la seule page
  renvoyée) : \`departmentName\`, \`activities\`, \`domains\`, \`publishers\`, \`remote\`, \`type\`. \`total\` est exact.
- **ETag** : chaque réponse porte un \`ETag\` ; renvoyez-le dans \`If-None-Match\` pour recevoir \`304\` si rien n'a changé.

### Recette : tenir une copie du catalogue à jour
1. Première fois : parcourez \`GET /v0/mission?limit=10000&skip=0\`, puis \`skip=10000\`… jusqu'à une page incomplète.
   Notez l'heure \`T\` du début du parcours.
2. Ensuite, à intervalle régulier : \`GET /v0/mission?updatedSince=T&includeDeleted=true&limit=10000\` (et \`skip\` pour
   les pages suivantes). La liste contient d'abord les missions à créer ou remplacer chez vous : modifiées depuis \`T\`,
   ou devenues diffusables pour vous depuis \`T\` sans avoir changé (droit de diffusion accordé, exclusion levée,
   mission acceptée par vous si vous êtes modérateur, organisation modifiée) ; puis les suppressions
   \`{"_id", "id", "deleted": true, "deletedAt"}\` : missions retirées, refusées, ou qui ne sont plus diffusables pour
   vous (droit retiré, exclusion d'une organisation ou d'un réseau, décision de modération, annonceur supprimé), à
   supprimer chez vous. Une suppression peut viser une mission que vous n'avez jamais reçue : ignorez-la.
3. Prenez pour prochain \`T\` l'heure du début de cet appel, moins une minute de marge (rejouer une modification est
   sans effet). Les changements autres que ceux des missions sont gardés 400 jours : au-delà, \`updatedSince\` renvoie
   toutes vos missions, comme une première fois.

## Écarts volontaires avec l'API actuelle
- **401 en JSON** (l'API actuelle répond un texte \`Unauthorized\`) ; **404 JSON** pour une route inconnue.
- **Coordonnées acceptées** : une adresse peut porter \`location: {lat, lon}\`. Sans coordonnées, la commune et le
  code postal sont résolus hors ligne (département, région, coordonnées de la commune) dès l'enregistrement.
- **Codes postaux, SIREN, identifiants** restent du texte : les zéros initiaux sont conservés ; Corse (2A/2B) et
  outre-mer sont reconnus.
- **Pays** : \`"France"\` est compris comme \`FR\` (il ne provoque plus de refus \`Pays non valide\` à la modification suivante).
- **Recréer un \`clientId\` supprimé** restaure la mission (même identifiant interne, statistiques conservées) au lieu
  de répondre \`409\`. Un \`clientId\` vivant donne toujours \`409\`.
- **Description HTML assainie** : balises et attributs dangereux (scripts, styles, gestionnaires d'événements) sont retirés.
- **Règles de diffusion prises en compte immédiatement** (aujourd'hui : jusqu'à 6 heures).
- **Recherche des diffuseurs** : vrai rayon, plein texte sur la description aussi, facettes sur tous les résultats,
  tris, synchronisation incrémentale et ETag (voir plus haut). \`size\` est lu dès que \`limit\` est absent.
- **CORS** : toute origine peut appeler l'API (\`Access-Control-Allow-Origin: *\`, sans cookies ni \`credentials\`),
  en-têtes \`x-api-key\`/\`apikey\` compris. Aujourd'hui une liste d'origines répond aux requêtes préalables
  (\`OPTIONS\`) de toutes les routes, si bien qu'un navigateur d'une autre origine ne peut pas envoyer sa clé.
- **Messages d'erreur en français** (les codes ne changent pas) : par exemple \`409 RESSOURCE_ALREADY_EXIST\` dit
  « Une mission avec le clientId … existe déjà » au lieu de « A mission with this clientId already exists for this publisher ».
- **Limite de débit par partenaire** : les requêtes de toutes les clés d'un même partenaire sont comptées ensemble
  (créer une deuxième clé ne double pas la limite).
- **Corps JSON envoyé sans \`Content-Type\`** (\`curl -d @mission.json\`) : lu comme du JSON ; un vrai formulaire
  donne \`415\`.
- **Dates de l'API JSON** : ISO 8601, jour/mois/année (\`01/02/2025\` = 1er février, comme les flux ; le réglage
  \`dateOrder\` de l'annonceur vaut aussi ici), RFC 2822 et temps Unix (nombre de millisecondes, ou 10 chiffres =
  secondes). Une date impossible (\`31/02/2025\`) donne \`400\` au lieu d'être reportée au mois suivant.
- **\`duration\`** (mois entre \`startAt\` et \`endAt\`) est calculée pour toutes les missions, y compris celles
  publiées par l'API (aujourd'hui \`null\` pour elles).
- **Missions à distance « à Paris »** : aujourd'hui réservé à Leboncoin (identifiant codé en dur), c'est un réglage
  du diffuseur (\`engagement publisher create --remote-as-paris\`) : ses missions \`remote=full\` ont un titre
  « [À distance] … » et les champs de la première adresse à Paris (75000) ; la liste \`addresses\` reste exacte.
- **\`organizationId\`** (organisation vérifiée dans le référentiel RNA/SIRENE) vaut toujours \`null\` : ce référentiel
  n'est pas encore importé.
- **Adresse sans pays** : lue comme française quand son code postal ou sa commune le sont (\`1000\` + Bourg-en-Bresse
  devient \`01000\`, département de l'Ain) ; une adresse étrangère doit donner son pays.
- **Valeurs invalides** : toujours un \`400\` qui nomme le paramètre, jamais un \`500\`. Les types JSON sont
  vérifiés strictement (\`"places": "3"\` est refusé) ; seul \`postalCode\` accepte aussi un nombre.
- **Valeurs hors liste** (\`remote\`, \`compensationUnit\`, \`compensationType\`, \`places\` ≤ 0) : la mission est
  enregistrée \`REFUSED\` avec le message de la règle de modération correspondante (aujourd'hui : \`400\` pour
  certaines), comme pour un flux XML.
- **Flux XML — le texte reste du texte** : \`<clientId>00123</clientId>\`, un code postal \`01000\` ou un SIREN
  \`012345678\` gardent leurs zéros (aujourd'hui ils sont lus comme des nombres).
- **Flux XML — dates** : ISO 8601 (\`2025-09-01\`, \`2025-09-01T09:00:00Z\`) ; \`01/02/2025\` se lit **jour/mois**
  (1er février) ; aujourd'hui c'est mois/jour (2 janvier) : un réglage du flux (\`"dateOrder": "mdy"\`) garde cette
  lecture pour les flux qui en dépendent. Un nombre de 10 chiffres est un horodatage Unix en secondes. Une date
  illisible est signalée (avertissement) et ignorée, elle ne fait plus perdre la mission.
- **Flux XML — rien n'est perdu en silence** : un titre numérique (\`2024\`) ou absent n'efface plus la mission, elle
  est enregistrée refusée avec la raison ; \`oui\`/\`non\` sont compris comme \`yes\`/\`no\` ; une valeur invalide
  (places \`abc\`, \`compensationType\` inconnu) refuse cette seule mission au lieu de faire échouer tout l'import ; une
  mission illisible (sans \`clientId\` ni organisation identifiable, en double) est ignorée et signalée, et sa version
  précédente est conservée au lieu d'être supprimée ; une rue corrigée est une modification.
- **Flux XML — sans \`<?xml\`** : un document qui commence directement par \`<source>\` est accepté.
- **Publier exige le rôle annonceur** : un partenaire qui n'est pas annonceur reçoit \`403\` sur \`/v2/mission\`.
- **Liens suivis** : la redirection n'attend plus l'écriture du clic (écrit dans les 200 ms, conservé en mémoire si la
  base est indisponible). Un diffuseur inconnu dans le lien mène quand même à la mission (sans rien compter) au lieu de la
  page de repli ; l'adresse de repli d'une mission inconnue est un réglage. L'empreinte du visiteur est une empreinte à
  clé : l'adresse IP n'est jamais conservée. Au-delà de la limite par adresse (120 requêtes de suivi par minute par
  défaut), un lien redirige toujours (sans compter le clic) au lieu de répondre \`429\`.
- **Balises** : \`/r/apply\` et \`/r/account\` répondent toujours (\`204\` pour un clic inconnu, un doublon, un robot)
  au lieu de laisser la requête sans réponse ; la fenêtre d'attribution (30 jours par défaut) est appliquée par le service.
  Une valeur vide (\`clientEventId=\`) vaut absence, et une longue adresse de page (\`url\`) n'est plus refusée.
- **jstag.js** : servi par le service (\`/jstag.js\`, et \`/jstag.v1.js\` qui restera compatible v1) ; les événements
  partent vers l'origine du script ; le cookie n'est marqué \`Secure\` qu'en https.
- **\`/v2/activity\`** : une activité n'est lue ou modifiée que par ses deux partenaires (aujourd'hui : par n'importe qui
  connaissant son identifiant) ; un \`clickId\` doit mener aux missions de l'annonceur qui le déclare ; seul l'annonceur
  change le statut.
- **Statistiques** : \`GET /v2/stats\` remplace les tableaux de bord Metabase. Chiffres exacts, hors robots (une
  empreinte bloquée plus tard sort aussi des chiffres passés), à jour dès l'écriture de l'événement (aujourd'hui : calculés
  par lots), sur des jours de Paris ; une conversion arrivée après la fenêtre d'attribution n'est pas comptée. Un
  partenaire ne voit que les événements dont il est l'un des deux côtés. \`/v0/mymission/{clientId}/stats\` compte
  désormais de la même façon (conversions hors fenêtre exclues).
`;
